//! Participant IDs: 4 uppercase hex digits, replicas from 0, the 8 clients from `replicas + 16`.

/// The destination that means "every other replica".
pub const BROADCAST: &str = "FFFF";
/// Clients living inside the simulator.
pub const NUM_CLIENTS: usize = 8;
/// Distance between the last replica number and the first client number.
const CLIENT_OFFSET: usize = 16;

pub fn format_id(n: usize) -> String {
    format!("{n:04X}")
}

/// True for exactly four hex digits, the only shape the simulator accepts for an ID.
pub fn is_id(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Who a `dst` field names in a cluster of `replicas` replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Replica(usize),
    Client(usize),
    Broadcast,
    Unknown,
}

pub fn resolve(id: &str, replicas: usize) -> Party {
    if id.eq_ignore_ascii_case(BROADCAST) {
        return Party::Broadcast;
    }
    let Some(n) = is_id(id)
        .then(|| usize::from_str_radix(id, 16).ok())
        .flatten()
    else {
        return Party::Unknown;
    };
    if n < replicas {
        Party::Replica(n)
    } else if (replicas + CLIENT_OFFSET..replicas + CLIENT_OFFSET + NUM_CLIENTS).contains(&n) {
        Party::Client(n - replicas - CLIENT_OFFSET)
    } else {
        Party::Unknown
    }
}

pub fn replica_ids(replicas: usize) -> Vec<String> {
    (0..replicas).map(format_id).collect()
}

pub fn client_ids(replicas: usize) -> Vec<String> {
    (0..NUM_CLIENTS)
        .map(|i| format_id(replicas + CLIENT_OFFSET + i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_the_course_layout() {
        assert_eq!(replica_ids(5), ["0000", "0001", "0002", "0003", "0004"]);
        assert_eq!(client_ids(5).first().unwrap(), "0015");
        assert_eq!(client_ids(5).last().unwrap(), "001C");
        assert_eq!(client_ids(3).first().unwrap(), "0013");
    }

    #[test]
    fn destinations_resolve() {
        assert_eq!(resolve("0004", 5), Party::Replica(4));
        assert_eq!(resolve("0005", 5), Party::Unknown);
        assert_eq!(resolve("0015", 5), Party::Client(0));
        assert_eq!(resolve("001c", 5), Party::Client(7));
        assert_eq!(resolve("001D", 5), Party::Unknown);
        assert_eq!(resolve("FFFF", 5), Party::Broadcast);
        assert_eq!(resolve("12345", 5), Party::Unknown);
        assert_eq!(resolve("+001", 5), Party::Unknown);
    }

    #[test]
    fn id_shape() {
        assert!(is_id("00aF"));
        assert!(!is_id("000"));
        assert!(!is_id("000G"));
        assert!(!is_id("٠٠٠٠"));
    }
}
