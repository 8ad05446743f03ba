//! `fake-server`: the crate's fake Cloudflare API on 127.0.0.1, for trying the CLI and testing
//! scripts without an account.

use std::io::{self, Write};

use cloudflare_origin_trust_store::fake::{self, FakeCloudflare};

use crate::args::{FakeServerArgs, Global};
use crate::{ExitStatus, Failure};

/// Prints the environment that points the CLI at the fake (`NAME=value` lines, for `export` or
/// `env`), then serves until interrupted.
pub(crate) async fn serve(global: &Global, args: FakeServerArgs) -> Result<ExitStatus, Failure> {
    let builder = FakeCloudflare::builder().sample_certificates(args.certificates as usize);
    let fake = fake::sample_zones(args.zones as usize)
        .into_iter()
        .fold(builder, |builder, zone| builder.zone(zone))
        .start_on(args.port)
        .await
        .map_err(|e| Failure {
            status: ExitStatus::Failure,
            message: Some(format!("cannot serve on 127.0.0.1:{}: {e}", args.port)),
        })?;
    let environment = format!(
        "CLOUDFLARE_BASE_URL={}\nCLOUDFLARE_API_TOKEN={}\nCLOUDFLARE_ZONE_ID={}\n",
        fake.base_url(),
        fake::TOKEN,
        fake.zone_id()
    );
    let mut out = io::stdout().lock();
    out.write_all(environment.as_bytes()).and_then(|()| out.flush())?;
    drop(out);
    if !global.quiet {
        let _ = writeln!(
            io::stderr(),
            "a fake Cloudflare API serves zone {} ({} certificates){} on {}; Ctrl-C stops it",
            fake.zone_id(),
            args.certificates,
            if args.zones > 0 { format!(" and {} more zones", args.zones) } else { String::new() },
            fake.addr()
        );
    }
    tokio::signal::ctrl_c().await.map_err(|e| Failure {
        status: ExitStatus::Failure,
        message: Some(format!("cannot wait for Ctrl-C: {e}")),
    })?;
    Ok(ExitStatus::Success)
}
