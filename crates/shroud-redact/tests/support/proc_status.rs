//! Reading this process's memory figures, for the memory tests.

/// A `kB` field of /proc/self/status (`VmHWM:`, `VmRSS:`).
pub(crate) fn status_kib(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("a kB field")
}
