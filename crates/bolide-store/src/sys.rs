//! The operating-system facts the store needs and std does not offer (disk usage of a
//! partition, the local hour, the memory the process may use) and the directory lock: thin,
//! checked wrappers around libc.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Used fraction of the partition holding `path`, as Java computes it:
/// `used / (used + available to unprivileged users)`.
pub(crate) fn disk_usage_ratio(path: &Path) -> io::Result<f64> {
    let c_path =
        CString::new(path.as_os_str().as_bytes()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    // SAFETY: `statvfs` is plain old data, so all-zero is a valid value to be overwritten.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_path` is a valid NUL-terminated string and `stats` a valid, writable struct.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    let block = stats.f_frsize as f64;
    let total = stats.f_blocks as f64 * block;
    let free = stats.f_bfree as f64 * block;
    let available = stats.f_bavail as f64 * block;
    let used = total - free;
    if used + available <= 0.0 {
        return Ok(0.0);
    }
    Ok(used / (used + available))
}

/// Hour of the day (0-23) in the local time zone for epoch seconds `secs`.
pub(crate) fn local_hour(secs: i64) -> Option<u32> {
    let time: libc::time_t = secs as libc::time_t;
    // SAFETY: `tm` is plain old data; all-zero is valid and is overwritten by `localtime_r`.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the duration of the call; `localtime_r` is the
    // thread-safe variant.
    let result = unsafe { libc::localtime_r(&time, &mut tm) };
    if result.is_null() {
        None
    } else {
        u32::try_from(tm.tm_hour).ok()
    }
}

/// Locks `file` exclusively without blocking; `Ok(false)` if someone else holds it. Takes both
/// a `flock` (which also excludes a second open in this process) and the `fcntl` write lock on
/// byte 0 that a Java broker takes (`FileChannel.tryLock(0, 1, false)`), so neither broker can
/// open a directory the other has open.
pub(crate) fn try_lock_exclusive(file: &std::fs::File) -> io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    let fd = file.as_raw_fd();
    let busy = |err: &io::Error| matches!(err.raw_os_error(), Some(libc::EWOULDBLOCK) | Some(libc::EACCES));
    // SAFETY: the descriptor is valid for the lifetime of `file`; flock has no memory effects.
    if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let err = io::Error::last_os_error();
        return if busy(&err) { Ok(false) } else { Err(err) };
    }
    // SAFETY: `libc::flock` is plain old data; all-zero is valid before the fields are set.
    let mut range: libc::flock = unsafe { std::mem::zeroed() };
    range.l_type = libc::F_WRLCK as libc::c_short;
    range.l_whence = libc::SEEK_SET as libc::c_short;
    range.l_start = 0;
    range.l_len = 1;
    // SAFETY: `range` is a valid, initialised `struct flock` that outlives the call.
    if unsafe { libc::fcntl(fd, libc::F_SETLK, &range) } != 0 {
        let err = io::Error::last_os_error();
        return if busy(&err) { Ok(false) } else { Err(err) };
    }
    Ok(true)
}

/// The memory this process may use: the machine's physical memory, or the cgroup (v2) limit of
/// a container when that is lower. `None` when the system does not say.
pub fn usable_memory_bytes() -> Option<u64> {
    // SAFETY: `sysconf` has no memory effects.
    let (pages, page_size) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
    let physical = u64::try_from(pages).ok()?.checked_mul(u64::try_from(page_size).ok()?)?;
    let limit =
        std::fs::read_to_string("/sys/fs/cgroup/memory.max").ok().and_then(|text| text.trim().parse::<u64>().ok());
    Some(limit.map_or(physical, |limit| limit.min(physical)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn usable_memory_is_known_and_plausible() {
        let bytes = super::usable_memory_bytes().expect("memory size");
        assert!(bytes >= 64 << 20, "{bytes} bytes");
    }
}
