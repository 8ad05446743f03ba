//! `fake-server`: the crate's fake Cloudflare API on 127.0.0.1, for trying the CLI and testing
//! scripts without an account.

use std::io::{self, Write};

use cloudflare_origin_trust_store::fake::{self, FakeCloudflare, FakeZone, Fault, RequestInfo};

use crate::args::{FakeServerArgs, Global, Permission};
use crate::{ExitStatus, Failure};

/// Prints the environment that points the CLI at the fake (`NAME=value` lines, for `export` or
/// `env`), then serves until interrupted.
pub(crate) async fn serve(global: &Global, args: FakeServerArgs) -> Result<ExitStatus, Failure> {
    let mut first = FakeZone::new(fake::ZONE_ID, fake::ZONE_NAME)
        .certificates(fake::sample_certificates(args.certificates as usize));
    for record in &args.dns_record {
        first = first.dns_record(&record.record_type, &record.name, &record.content, record.proxied);
    }
    if args.without_trust_store {
        first = first.without_trust_store();
    }
    let zones = std::iter::once(first).chain(fake::sample_zones(args.zones as usize));
    let fake = FakeCloudflare::builder().zones(zones).start_on(args.port).await.map_err(|e| Failure {
        status: ExitStatus::Failure,
        message: Some(format!("cannot serve on 127.0.0.1:{}: {e}", args.port)),
    })?;
    if !args.deny.is_empty() {
        let denied = args.deny.clone();
        fake.set_faults(move |request| {
            denied.iter().any(|permission| needs(request, *permission)).then(refused)
        });
    }
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

/// Whether `request` needs `permission`.
fn needs(request: &RequestInfo, permission: Permission) -> bool {
    let store = request.path.contains("/acm/custom_trust_store");
    match permission {
        Permission::SslRead => store,
        Permission::SslEdit => store && matches!(request.method.as_str(), "POST" | "DELETE"),
        Permission::ZoneRead => request.path == "/zones",
        Permission::DnsRead => request.path.ends_with("/dns_records"),
    }
}

/// Cloudflare's answer to a token that lacks a permission.
fn refused() -> Fault {
    Fault::api_error(403, 9109, "Unauthorized to access requested resource")
}
