use std::collections::HashMap;

use redis::Value;

/// A stream entry's fields as strings; values that are not text are left out (the decoders
/// then report the field as missing).
pub fn entry_fields(map: &HashMap<String, Value>) -> HashMap<String, String> {
    map.iter()
        .filter_map(|(k, v)| {
            redis::from_redis_value_ref::<String>(v)
                .ok()
                .map(|v| (k.clone(), v))
        })
        .collect()
}
