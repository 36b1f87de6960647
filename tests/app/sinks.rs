//! Real peers on loopback for the app to talk to: an SMTP server that keeps what it receives,
//! and an HTTP server that records requests (an SMS gateway, later webhook receivers).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One email as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    /// The envelope sender, as in `MAIL FROM:<…>`.
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl ReceivedEmail {
    /// The first address in the plain-text part that contains `marker` (such as `/m/`).
    pub fn link(&self, marker: &str) -> String {
        let parsed = mailparse::parse_mail(self.data.as_bytes()).unwrap();
        let text = parsed.subparts[0].get_body().unwrap();
        text.split_whitespace()
            .find(|w| w.contains(marker))
            .unwrap_or_else(|| panic!("a link with {marker} in: {text}"))
            .to_string()
    }
}

/// A minimal SMTP server (RFC 5321 without extensions) that keeps every message.
pub struct SmtpSink {
    pub url: String,
    received: mpsc::UnboundedReceiver<ReceivedEmail>,
    /// Answer this many DATA commands with a temporary failure (451) first.
    pub refuse_next: Arc<AtomicUsize>,
    /// Take this many milliseconds to accept each message (a slow mail server).
    pub slow_ms: Arc<AtomicUsize>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let (tx, received) = mpsc::unbounded_channel();
        let refuse_next = Arc::new(AtomicUsize::new(0));
        let slow_ms = Arc::new(AtomicUsize::new(0));
        let (refuse, slow) = (refuse_next.clone(), slow_ms.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (tx, refuse, slow) = (tx.clone(), refuse.clone(), slow.clone());
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read);
                    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                    let (mut from, mut to) = (String::new(), Vec::new());
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let command = line.trim_end().to_ascii_uppercase();
                        let reply: &[u8] = if command.starts_with("EHLO") {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else if command.starts_with("MAIL FROM:") {
                            from = line.trim_end()[10..].to_string();
                            to.clear();
                            b"250 OK\r\n"
                        } else if command.starts_with("RCPT TO:") {
                            to.push(line.trim_end()[8..].to_string());
                            b"250 OK\r\n"
                        } else if command == "DATA" {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            let mut data = String::new();
                            loop {
                                line.clear();
                                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if line == ".\r\n" {
                                    break;
                                }
                                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                            }
                            let delay = slow.load(Ordering::SeqCst) as u64;
                            tokio::time::sleep(Duration::from_millis(delay)).await;
                            let refused = refuse
                                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                                    n.checked_sub(1)
                                })
                                .is_ok();
                            if refused {
                                b"451 4.3.0 try again later\r\n"
                            } else {
                                let _ = tx.send(ReceivedEmail {
                                    from: from.clone(),
                                    to: to.clone(),
                                    data,
                                });
                                b"250 OK queued\r\n"
                            }
                        } else if command == "QUIT" {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            b"250 OK\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        SmtpSink {
            url,
            received,
            refuse_next,
            slow_ms,
        }
    }

    /// The next email received; fails the test if none arrived.
    pub fn next(&mut self) -> ReceivedEmail {
        self.received.try_recv().expect("an email was received")
    }

    /// Waits for the next email, for senders that run in the background.
    pub async fn wait_next(&mut self) -> ReceivedEmail {
        within("an email", self.received.recv())
            .await
            .expect("the sink is running")
    }

    /// Every email received so far.
    pub fn drain(&mut self) -> Vec<ReceivedEmail> {
        let mut all = Vec::new();
        while let Ok(email) = self.received.try_recv() {
            all.push(email);
        }
        all
    }

    /// Whether nothing (more) was received.
    pub fn is_empty(&mut self) -> bool {
        self.received.try_recv().is_err()
    }
}

/// One request as the HTTP server received it.
#[derive(Debug, Clone)]
pub struct ReceivedRequest {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl ReceivedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How the HTTP sink answers one request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Wait this long before answering (to make the client time out).
    pub delay: Duration,
    /// A `Location` header (for redirects).
    pub location: Option<String>,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            delay: Duration::ZERO,
            location: None,
        }
    }

    /// 200, but only after `delay`.
    pub fn slow(delay: Duration) -> Reply {
        Reply {
            delay,
            ..Reply::status(200)
        }
    }

    pub fn redirect(location: &str) -> Reply {
        Reply {
            location: Some(location.to_string()),
            ..Reply::status(302)
        }
    }
}

/// An HTTP/1.1 server that answers each request with the next configured reply (200 when
/// none is left) and records what it received.
pub struct HttpSink {
    pub url: String,
    received: mpsc::UnboundedReceiver<ReceivedRequest>,
}

impl HttpSink {
    pub async fn start(statuses: Vec<u16>) -> HttpSink {
        Self::start_scripted(statuses.into_iter().map(Reply::status).collect()).await
    }

    pub async fn start_scripted(replies: Vec<Reply>) -> HttpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, received) = mpsc::unbounded_channel();
        let statuses = Arc::new(std::sync::Mutex::new(replies.into_iter()));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (tx, statuses) = (tx.clone(), statuses.clone());
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut reader = BufReader::new(read);
                    loop {
                        let mut request_line = String::new();
                        if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let mut parts = request_line.split_whitespace();
                        let method = parts.next().unwrap_or_default().to_string();
                        let target = parts.next().unwrap_or_default().to_string();
                        let mut headers = Vec::new();
                        loop {
                            let mut line = String::new();
                            reader.read_line(&mut line).await.unwrap();
                            let line = line.trim_end();
                            if line.is_empty() {
                                break;
                            }
                            if let Some((k, v)) = line.split_once(':') {
                                headers.push((k.trim().to_string(), v.trim().to_string()));
                            }
                        }
                        let length: usize = headers
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                            .and_then(|(_, v)| v.parse().ok())
                            .unwrap_or(0);
                        let mut body = vec![0u8; length];
                        reader.read_exact(&mut body).await.unwrap();
                        let reply = statuses
                            .lock()
                            .unwrap()
                            .next()
                            .unwrap_or(Reply::status(200));
                        let _ = tx.send(ReceivedRequest {
                            method,
                            target,
                            headers,
                            body: String::from_utf8_lossy(&body).into_owned(),
                        });
                        tokio::time::sleep(reply.delay).await;
                        let location = reply
                            .location
                            .map(|l| format!("location: {l}\r\n"))
                            .unwrap_or_default();
                        let response = format!(
                            "HTTP/1.1 {} Status\r\n{location}content-length: 2\r\n\r\nok",
                            reply.status
                        );
                        if write.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        HttpSink { url, received }
    }

    /// The next request received; fails the test if none arrived.
    pub fn next(&mut self) -> ReceivedRequest {
        self.received.try_recv().expect("a request was received")
    }

    /// Waits for the next request, for senders that run in the background.
    pub async fn wait_next(&mut self) -> ReceivedRequest {
        within("a request", self.received.recv())
            .await
            .expect("the sink is running")
    }

    /// Whether nothing (more) was received.
    pub fn is_empty(&mut self) -> bool {
        self.received.try_recv().is_err()
    }

    /// The next request received, if any.
    pub fn try_next(&mut self) -> Option<ReceivedRequest> {
        self.received.try_recv().ok()
    }
}

/// Fails a test that waits too long for something that happens in the background.
pub async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}
