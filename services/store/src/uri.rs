//! What `--store` and `--scylla-replication` say, parsed once.

use crate::StoreError;

/// Which store a process uses: `sqlite` (the embedded default, in the data directory) or
/// `scylla://host:port[,host:port...]/keyspace`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUri {
    Sqlite,
    Scylla {
        nodes: Vec<String>,
        keyspace: String,
    },
}

impl StoreUri {
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        if s == "sqlite" {
            return Ok(Self::Sqlite);
        }
        let invalid = |why: &str| {
            StoreError::Other(format!(
                "--store {s:?}: {why}; expected `sqlite` or `scylla://host:port[,host:port...]/keyspace`"
            ))
        };
        let rest = s
            .strip_prefix("scylla://")
            .ok_or_else(|| invalid("unknown kind"))?;
        let (hosts, keyspace) = rest.split_once('/').ok_or_else(|| invalid("no keyspace"))?;
        let nodes: Vec<String> = hosts.split(',').map(str::to_owned).collect();
        let node_ok = |n: &String| {
            n.rsplit_once(':').is_some_and(|(host, port)| {
                !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
            })
        };
        if nodes.is_empty() || !nodes.iter().all(node_ok) {
            return Err(invalid("each node must be host:port"));
        }
        if !valid_keyspace(keyspace) {
            return Err(invalid(
                "the keyspace must be 1 to 48 letters, digits or underscores, starting with a letter",
            ));
        }
        Ok(Self::Scylla {
            nodes,
            keyspace: keyspace.to_owned(),
        })
    }
}

/// CQL's rule for unquoted names: the keyspace goes into statements as it is.
pub fn valid_keyspace(k: &str) -> bool {
    (1..=48).contains(&k.len())
        && k.starts_with(|c: char| c.is_ascii_alphabetic())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A keyspace's replication: `NetworkTopologyStrategy:3` (the default: three replicas in each
/// datacenter) or `SimpleStrategy:1` (one node, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replication {
    class: &'static str,
    factor: u8,
}

impl Default for Replication {
    fn default() -> Self {
        Self {
            class: "NetworkTopologyStrategy",
            factor: 3,
        }
    }
}

impl Replication {
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        let invalid = || {
            StoreError::Other(format!(
                "--scylla-replication {s:?}: expected `NetworkTopologyStrategy:N` or `SimpleStrategy:N`, N in 1..=9"
            ))
        };
        let (class, factor) = s.split_once(':').ok_or_else(invalid)?;
        let class = match class {
            "NetworkTopologyStrategy" => "NetworkTopologyStrategy",
            "SimpleStrategy" => "SimpleStrategy",
            _ => return Err(invalid()),
        };
        let factor: u8 = factor.parse().map_err(|_| invalid())?;
        if !(1..=9).contains(&factor) {
            return Err(invalid());
        }
        Ok(Self { class, factor })
    }

    /// The map `CREATE KEYSPACE ... WITH replication =` takes.
    pub fn cql(&self) -> String {
        format!(
            "{{'class': '{}', 'replication_factor': {}}}",
            self.class, self.factor
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn store_uris() {
        assert_eq!(StoreUri::parse("sqlite").unwrap(), StoreUri::Sqlite);
        assert_eq!(
            StoreUri::parse("scylla://10.0.0.1:9042,db2:9042/pollcast").unwrap(),
            StoreUri::Scylla {
                nodes: vec!["10.0.0.1:9042".into(), "db2:9042".into()],
                keyspace: "pollcast".into()
            }
        );
        for bad in [
            "",
            "postgres://x/y",
            "scylla://h:9042",
            "scylla://h/ks",
            "scylla://h:0/ks",
            "scylla://h:9042/1ks",
            "scylla://h:9042/ks;DROP",
            "scylla://:9042/ks",
        ] {
            assert!(StoreUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn replications() {
        assert_eq!(
            Replication::parse("SimpleStrategy:1").unwrap().cql(),
            "{'class': 'SimpleStrategy', 'replication_factor': 1}"
        );
        assert_eq!(
            Replication::parse("NetworkTopologyStrategy:3").unwrap(),
            Replication::default()
        );
        for bad in [
            "Simple:1",
            "SimpleStrategy:0",
            "SimpleStrategy",
            "SimpleStrategy:x",
        ] {
            assert!(Replication::parse(bad).is_err(), "{bad}");
        }
    }
}
