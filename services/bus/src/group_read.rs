//! Reading a consumer group's new entries as one string: `read_batch.lua` runs XREADGROUP
//! inside Redis and joins what it delivers, because the Redis client spends ~3,000
//! instructions on every value it parses and an entry is five values or more (tally and the
//! webhook dispatcher both read every vote). The delivery is the command's own: the entries
//! enter the group's pending list under the consumer.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::Conn;
use redis::{RedisError, Script};

static READ_BATCH: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("read_batch.lua")));

/// One delivered entry: which of the streams it came from, its id, its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub stream: usize,
    pub id: String,
    pub fields: HashMap<String, String>,
}

/// Up to `count` new entries of `streams` for `consumer` of `group`, without blocking (a
/// script cannot block): empty when nothing waits.
pub async fn read_new(
    conn: &mut Conn,
    streams: &[String],
    group: &str,
    consumer: &str,
    count: usize,
) -> Result<Vec<Entry>, RedisError> {
    let mut invocation = READ_BATCH.prepare_invoke();
    for stream in streams {
        invocation.key(stream);
    }
    let batch: String = invocation
        .arg(group)
        .arg(consumer)
        .arg(count)
        .invoke_async(conn)
        .await?;
    Ok(parse(&batch, streams.len()))
}

/// The records of `read_batch.lua`: `<stream index>\x1f<entry id>\x1f<field>\x1f<value>...`,
/// separated by `\x1e`. A record that does not parse is left out: its entry stays pending
/// and comes back to whoever claims idle entries, decoded the usual way.
pub fn parse(batch: &str, streams: usize) -> Vec<Entry> {
    if batch.is_empty() {
        return Vec::new();
    }
    batch
        .split('\x1e')
        .filter_map(|record| {
            let mut parts = record.split('\x1f');
            let stream = parts.next()?.parse::<usize>().ok()?.checked_sub(1)?;
            let id = parts.next()?.to_owned();
            let mut fields = HashMap::new();
            while let (Some(field), Some(value)) = (parts.next(), parts.next()) {
                fields.insert(field.to_owned(), value.to_owned());
            }
            (stream < streams).then_some(Entry { stream, id, fields })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_read_scripts_records() {
        let batch = "2\x1f1-0\x1fvote\x1f2 a b\x1e1\x1f1-1\x1fv\x1f1\x1fid\x1fx\x1e9\x1f1-2\x1e";
        let got: Vec<(usize, String, usize)> = parse(batch, 4)
            .into_iter()
            .map(|e| (e.stream, e.id, e.fields.len()))
            .collect();
        assert_eq!(
            got,
            vec![(1, "1-0".to_owned(), 1), (0, "1-1".to_owned(), 2)]
        );
        assert_eq!(
            parse("1\x1f1-0\x1fvote\x1f2 a b", 1)[0].fields["vote"],
            "2 a b"
        );
        assert!(parse("", 1).is_empty());
    }
}
