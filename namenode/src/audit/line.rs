//! An audit event as Hadoop's DefaultAuditLogger writes it, behind log4j's
//! `%d{ISO8601} %p %c{2}: %m%n` prefix:
//! `2026-01-01 12:00:00,000 INFO FSNamesystem.audit: allowed=true<TAB>ugi=alice
//! (auth:SIMPLE)<TAB>ip=/127.0.0.1<TAB>cmd=delete<TAB>src=/a<TAB>dst=null<TAB>perm=null<TAB>proto=rpc`.

use std::fmt::Write;
use std::net::IpAddr;

use super::{AuditEvent, CallerContextLimits};

/// log4j's ISO8601 time of the lines, the local date and time formatted
/// once per second (a time-zone lookup costs more than the rest of a line).
#[derive(Debug, Default)]
pub(crate) struct LineTime {
    second: Option<i64>,
    /// `yyyy-MM-dd HH:mm:ss` of `second`.
    text: String,
}

impl LineTime {
    fn push(&mut self, millis: i64, out: &mut String) {
        let second = millis.div_euclid(1000);
        if self.second != Some(second) {
            let mut text = common::time::format_log_time(second * 1000);
            text.truncate(text.rfind(',').unwrap_or(text.len()));
            self.text = text;
            self.second = Some(second);
        }
        let _ = write!(out, "{},{:03}", self.text, millis.rem_euclid(1000));
    }
}

/// Appends `event`'s line, newline included, to `out`.
pub(crate) fn format_line(
    event: &AuditEvent,
    caller_context: Option<CallerContextLimits>,
    time: &mut LineTime,
    out: &mut String,
) {
    time.push(event.at_millis, out);
    out.push_str(" INFO FSNamesystem.audit: ");
    let _ = write!(
        out,
        "allowed={}\tugi={} (auth:SIMPLE)\tip=",
        event.allowed, event.user
    );
    match event.origin.address {
        Some(address) => push_java_address(address, out),
        None => out.push_str("null"),
    }
    let _ = write!(out, "\tcmd={}\tsrc=", event.command);
    push_escaped(event.src.as_deref(), out);
    out.push_str("\tdst=");
    push_escaped(event.dst.as_deref(), out);
    match &event.status {
        Some(status) => {
            let _ = write!(
                out,
                "\tperm={}:{}:{}",
                status.owner, status.group, status.permission
            );
        }
        None => out.push_str("\tperm=null"),
    }
    let _ = write!(out, "\tproto={}", event.origin.protocol.name());
    if let (Some(limits), Some(context)) = (caller_context, &event.origin.caller_context)
        && !context.context.is_empty()
    {
        out.push_str("\tcallerContext=");
        out.extend(context.context.chars().take(limits.max_context_chars));
        let signature = &context.signature;
        if !signature.is_empty() && signature.len() <= limits.max_signature_bytes {
            out.push(':');
            out.push_str(&String::from_utf8_lossy(signature));
        }
    }
    out.push('\n');
}

/// Java's `InetAddress.toString()` of an address without a host name:
/// `/127.0.0.1`, `/0:0:0:0:0:0:0:1` (an IPv4-mapped address is IPv4).
fn push_java_address(address: IpAddr, out: &mut String) {
    match address.to_canonical() {
        IpAddr::V4(v4) => {
            let _ = write!(out, "/{v4}");
        }
        IpAddr::V6(v6) => {
            out.push('/');
            for (index, segment) in v6.segments().iter().enumerate() {
                if index > 0 {
                    out.push(':');
                }
                let _ = write!(out, "{segment:x}");
            }
        }
    }
}

/// `text` as commons-text's `escapeJava` writes it (Hadoop escapes `src` and
/// `dst` so a path cannot forge a field or a line); `null` for none.
fn push_escaped(text: Option<&str>, out: &mut String) {
    let Some(text) = text else {
        out.push_str("null");
        return;
    };
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            ' '..='\u{7f}' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04X}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use common::FsPermission;
    use common::user::{CallOrigin, CallProtocol, CallerContext};

    use super::*;
    use crate::audit::AuditStatus;

    fn event(command: &'static str, src: Option<&str>) -> AuditEvent {
        AuditEvent {
            at_millis: 0,
            allowed: true,
            user: "alice".to_string(),
            origin: CallOrigin {
                address: Some("127.0.0.1".parse().unwrap()),
                protocol: CallProtocol::Rpc,
                caller_context: None,
            },
            command: Cow::Borrowed(command),
            src: src.map(str::to_string),
            dst: None,
            status: None,
        }
    }

    /// The line without log4j's timestamp (the test's time zone decides it).
    fn body(event: &AuditEvent, limits: Option<CallerContextLimits>) -> String {
        let mut line = String::new();
        format_line(event, limits, &mut LineTime::default(), &mut line);
        let (_, body) = line
            .split_once(" INFO FSNamesystem.audit: ")
            .expect("log4j's prefix");
        body.to_string()
    }

    #[test]
    fn a_delete_is_hadoops_line() {
        assert_eq!(
            body(&event("delete", Some("/a")), None),
            "allowed=true\tugi=alice (auth:SIMPLE)\tip=/127.0.0.1\tcmd=delete\tsrc=/a\t\
             dst=null\tperm=null\tproto=rpc\n"
        );
    }

    #[test]
    fn status_refusal_and_webhdfs() {
        let mut mkdir = event("mkdirs", Some("/d"));
        mkdir.status = Some(AuditStatus {
            owner: "alice".to_string(),
            group: "supergroup".to_string(),
            permission: FsPermission::new(0o1755),
        });
        mkdir.origin.protocol = CallProtocol::WebHdfs;
        assert!(
            body(&mkdir, None).ends_with("perm=alice:supergroup:rwxr-xr-t\tproto=webhdfs\n"),
            "{}",
            body(&mkdir, None)
        );
        let mut refused = event("rename", Some("/a"));
        refused.allowed = false;
        refused.dst = Some("/b".to_string());
        assert!(body(&refused, None).starts_with("allowed=false\t"));
        assert!(body(&refused, None).contains("\tsrc=/a\tdst=/b\tperm=null\t"));
    }

    #[test]
    fn the_time_is_log4js_iso8601_to_the_millisecond() {
        let mut time = LineTime::default();
        let mut cached = String::new();
        time.push(1_700_000_000_007, &mut cached);
        cached.push(' ');
        time.push(1_700_000_000_999, &mut cached);
        let expected = format!(
            "{} {}",
            common::time::format_log_time(1_700_000_000_007),
            common::time::format_log_time(1_700_000_000_999)
        );
        assert_eq!(cached, expected);
        assert!(cached.starts_with("2023-11-1"), "{cached}");
        assert!(cached.ends_with(",999"), "{cached}");
    }

    #[test]
    fn addresses_print_as_java_does() {
        let mut line = String::new();
        push_java_address("::1".parse().unwrap(), &mut line);
        push_java_address("::ffff:10.0.0.7".parse().unwrap(), &mut line);
        assert_eq!(line, "/0:0:0:0:0:0:0:1/10.0.0.7");
        let mut unknown = event("open", Some("/f"));
        unknown.origin.address = None;
        assert!(body(&unknown, None).contains("\tip=null\t"));
    }

    #[test]
    fn paths_are_escaped_as_escape_java() {
        let tricky = event("create", Some("/a\tb\nallowed=true\"\\é😀"));
        assert!(
            body(&tricky, None)
                .contains("\tsrc=/a\\tb\\nallowed=true\\\"\\\\\\u00E9\\uD83D\\uDE00\tdst="),
            "{}",
            body(&tricky, None)
        );
    }

    #[test]
    fn caller_context_follows_hadoops_limits() {
        let limits = CallerContextLimits {
            max_context_chars: 5,
            max_signature_bytes: 3,
        };
        let mut call = event("open", Some("/f"));
        call.origin.caller_context = Some(CallerContext {
            context: "job_1234".to_string(),
            signature: b"sig".to_vec(),
        });
        assert!(body(&call, Some(limits)).ends_with("\tproto=rpc\tcallerContext=job_1:sig\n"));
        assert!(body(&call, None).ends_with("\tproto=rpc\n"));
        call.origin.caller_context = Some(CallerContext {
            context: "job".to_string(),
            signature: b"long".to_vec(),
        });
        assert!(body(&call, Some(limits)).ends_with("\tcallerContext=job\n"));
        call.origin.caller_context = Some(CallerContext {
            context: String::new(),
            signature: b"sig".to_vec(),
        });
        assert!(body(&call, Some(limits)).ends_with("\tproto=rpc\n"));
    }
}
