//! What `/proc` says about a replica process: CPU time and peak resident memory.

use std::fs;

/// User plus system CPU time in clock ticks, from the text of `/proc/PID/stat`. The command
/// name (field 2) may hold spaces and parentheses, so fields are counted after its last `)`.
pub fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After the name come state (field 3) .. utime (field 14) and stime (field 15).
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Peak resident set size in KiB (`VmHWM`), from the text of `/proc/PID/status`.
pub fn peak_rss_kib(status: &str) -> Option<u64> {
    status_kib(status, "VmHWM:")
}

/// A size in KiB that `/proc/PID/status` gives on the line starting with `field`.
fn status_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    let mut words = line[field.len()..].split_whitespace();
    let kib = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(kib)
}

/// Resident set size now, in KiB (`VmRSS`).
pub fn rss(pid: u32) -> Option<u64> {
    status_kib(&fs::read_to_string(format!("/proc/{pid}/status")).ok()?, "VmRSS:")
}

/// CPU seconds a process has used so far; None once it is gone.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let ticks = cpu_ticks(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?;
    Some(ticks as f64 / ticks_per_second())
}

/// This process's own CPU seconds so far.
pub fn own_cpu_seconds() -> Option<f64> {
    cpu_seconds(std::process::id())
}

pub fn peak_rss(pid: u32) -> Option<u64> {
    peak_rss_kib(&fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// Datagrams the kernel dropped at each of the given local UDP ports on 127.0.0.1 because the
/// socket's queue was full, from the text of `/proc/net/udp` (its last column, `drops`).
pub fn udp_drops(table: &str, ports: &[u16]) -> Vec<Option<u64>> {
    let mut out = vec![None; ports.len()];
    for line in table.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(local), Some(drops)) = (fields.get(1), fields.last()) else {
            continue;
        };
        // The address is the IPv4 address's bytes read as a native integer, in hex, then the port.
        let Some((ip, port)) = local.split_once(':') else {
            continue;
        };
        let (Ok(ip), Ok(port), Ok(drops)) = (
            u32::from_str_radix(ip, 16),
            u16::from_str_radix(port, 16),
            drops.parse::<u64>(),
        ) else {
            continue;
        };
        if ip != u32::from_ne_bytes([127, 0, 0, 1]) {
            continue;
        }
        for (i, &p) in ports.iter().enumerate() {
            if p == port {
                out[i] = Some(drops);
            }
        }
    }
    out
}

/// `udp_drops` of this machine's table, None for each port if it cannot be read.
pub fn socket_drops(ports: &[u16]) -> Vec<Option<u64>> {
    match fs::read_to_string("/proc/net/udp") {
        Ok(table) => udp_drops(&table, ports),
        Err(_) => vec![None; ports.len()],
    }
}

fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 {
        hz as f64
    } else {
        100.0
    }
}

/// CPU time used between two readings as a percentage of one core over `seconds`.
pub fn cpu_percent(before: Option<f64>, after: Option<f64>, seconds: f64) -> Option<f64> {
    let (b, a) = (before?, after?);
    (seconds > 0.0 && a >= b).then(|| (a - b) / seconds * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_name() {
        let stat = "4242 (3700 kv) (x)) S 1 4242 4242 0 -1 4194304 120 0 0 0 \
                    250 37 0 0 20 0 2 0 12345 1000000 200 18446744073709551615";
        assert_eq!(cpu_ticks(stat), Some(287));
        assert_eq!(cpu_ticks("4242 (x) S 1 2"), None);
        assert_eq!(cpu_ticks("garbage"), None);
    }

    #[test]
    fn peak_rss_comes_from_vmhwm() {
        let status =
            "Name:\t3700kvstore\nVmPeak:\t   10000 kB\nVmHWM:\t    5120 kB\nVmRSS:\t 4000 kB\n";
        assert_eq!(peak_rss_kib(status), Some(5120));
        assert_eq!(peak_rss_kib("VmRSS:\t 4000 kB\n"), None);
        assert_eq!(peak_rss_kib("VmHWM:\t lots kB\n"), None);
    }

    #[test]
    fn percent_of_one_core() {
        assert_eq!(cpu_percent(Some(1.0), Some(3.5), 5.0), Some(50.0));
        assert_eq!(cpu_percent(None, Some(3.5), 5.0), None);
        assert_eq!(cpu_percent(Some(4.0), Some(3.5), 5.0), None);
        assert_eq!(cpu_percent(Some(1.0), Some(1.0), 0.0), None);
    }

    #[test]
    fn udp_drops_are_found_by_loopback_port() {
        let table = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
            1: 0100007F:A1B2 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 111 2 0000000000000000 17\n\
            2: 0100007F:0035 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 112 2 0000000000000000 0\n\
            3: 0200007F:0050 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 113 2 0000000000000000 9\n\
            garbage\n";
        assert_eq!(
            udp_drops(table, &[0xA1B2, 0x35, 0x50, 7]),
            [Some(17), Some(0), None, None]
        );
    }

    #[test]
    fn a_socket_of_this_process_is_listed() {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = s.local_addr().unwrap().port();
        assert_eq!(socket_drops(&[port]), [Some(0)]);
    }

    #[test]
    fn this_process_can_be_read() {
        assert!(own_cpu_seconds().is_some());
        assert!(peak_rss(std::process::id()).is_some_and(|k| k > 0));
    }
}
