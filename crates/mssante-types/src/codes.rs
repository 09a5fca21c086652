//! Stable codes: each crate owns a catalogue of codes (`E203`, `D407`,
//! `S706`, `N803`…), declared with [`stable_codes!`](crate::stable_codes) so
//! that every catalogue has the same shape: `ALL`, `as_str`, `from_code`,
//! `Display`, [`StableCode`], and with [`stable_codes_serde!`](crate::stable_codes_serde)
//! the same JSON (the code as a string).

use std::fmt;

/// A catalogue of stable codes. The string form of a code never changes once
/// published; new codes are only added.
pub trait StableCode: Copy + Eq + fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// The stable string form, e.g. `"E203"`.
    fn as_str(self) -> &'static str;
    /// Looks a code up by its string form.
    fn from_code(s: &str) -> Option<Self>;
}

/// Declares a code catalogue: a `#[non_exhaustive]` enum whose variants carry
/// their string form, with `ALL`, `as_str`, `from_code`, `Display` and
/// [`StableCode`].
///
/// ```
/// mssante_types::stable_codes! {
///     /// Codes of an example.
///     pub enum Example {
///         /// The first one.
///         First = "X001",
///         /// The second one.
///         Second = "X002",
///     }
/// }
/// assert_eq!(Example::Second.as_str(), "X002");
/// assert_eq!(Example::from_code("X001"), Some(Example::First));
/// assert_eq!(Example::ALL.len(), 2);
/// assert_eq!(Example::First.to_string(), "X001");
/// ```
#[macro_export]
macro_rules! stable_codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$doc:meta])* $variant:ident = $code:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$doc])* $variant, )*
        }

        impl $name {
            /// Every code, in catalogue order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stable string form, never changed once published.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $code, )*
                }
            }

            /// Looks a code up by its string form.
            pub fn from_code(s: &str) -> ::core::option::Option<$name> {
                match s {
                    $( $code => ::core::option::Option::Some($name::$variant), )*
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::codes::StableCode for $name {
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn from_code(s: &str) -> ::core::option::Option<Self> {
                $name::from_code(s)
            }
        }
    };
}

/// `Serialize`/`Deserialize` for a catalogue of [`stable_codes!`]: the code
/// as its string (`"D407"`); an unknown string is an error. The calling crate
/// depends on serde.
#[macro_export]
macro_rules! stable_codes_serde {
    ($name:ident) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                $name::from_code(&s).ok_or_else(|| {
                    <D::Error as ::serde::de::Error>::custom(::std::format!(
                        "unknown {} {s:?}",
                        ::core::stringify!($name)
                    ))
                })
            }
        }
    };
}
