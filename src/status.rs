//! Statuses Cloudflare sends as strings and adds to over time: each a known value, or `Unknown`
//! with the string kept (and sent back unchanged), so a new status never fails a page.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! open_enum {
    (
        $(#[$doc:meta])* $name:ident, $what:literal,
        $( $(#[$variant_doc:meta])* $variant:ident = $text:literal ),+ $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_doc])* $variant, )+
            /// A status this version of the crate does not know, as Cloudflare sent it.
            Unknown(String),
        }

        impl $name {
            /// The status as Cloudflare spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Unknown(other) => other,
                }
            }

            /// Every known status, as Cloudflare spells them.
            pub const KNOWN: &[&str] = &[$($text),+];
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $text => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::from(text.as_ref()))
            }
        }

        /// A string: one of the known statuses, or one Cloudflare adds later.
        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "description": format!("Status of the {}: {}, or a status Cloudflare adds later.", $what, Self::KNOWN.join(", ")),
                    "type": "string",
                    "examples": Self::KNOWN,
                })
            }
        }
    };
}

open_enum!(
    /// Status of a certificate in the trust store.
    ///
    /// Cloudflare adds status values over time; a value this version does not know decodes to
    /// [`CertificateStatus::Unknown`] with the string kept, and serializes back unchanged.
    CertificateStatus, "certificate",
    /// `initializing`, the first status of an upload (and the default).
    #[default]
    Initializing = "initializing",
    /// `pending_deployment`
    PendingDeployment = "pending_deployment",
    /// `active`
    Active = "active",
    /// `pending_deletion`
    PendingDeletion = "pending_deletion",
    /// `deleted`
    Deleted = "deleted",
    /// `expired`
    Expired = "expired",
);

open_enum!(
    /// Status of a zone on Cloudflare; an unknown value is kept as [`ZoneStatus::Unknown`].
    ZoneStatus, "zone",
    /// `initializing`
    #[default]
    Initializing = "initializing",
    /// `pending`
    Pending = "pending",
    /// `active`
    Active = "active",
    /// `moved`
    Moved = "moved",
);
