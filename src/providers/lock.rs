//! The optional apply lock: one item per stack in a DynamoDB table, taken with a conditional
//! write, so two applies of the same stack never run at once.
//!
//! The item carries a random token: a write whose answer was lost and is retried finds the
//! item holding its own token, and holds the lock (rather than reporting itself as the
//! holder). A lease of minutes bounds a lock whose holder died (SIGKILL, lost laptop); a
//! running apply renews it. `idrv5-gw unlock` breaks a stale lock (its process gone on this
//! host, or its lease over), or any lock with `--force`, and says who held it.

use super::aws::{Aws, AwsError};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a lock holds without being renewed, unless the stack says; a running apply
/// renews it every third.
pub const LEASE: Duration = Duration::from_secs(5 * 60);

pub struct Lock {
    table: String,
    key: String,
    holder: String,
    token: String,
    lease: Duration,
    renewal: Option<tokio::task::JoinHandle<()>>,
}

/// The lock item as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// `user@host pid N (verb)`.
    pub holder: String,
    pub host: String,
    pub pid: u32,
    pub since: u64,
    pub expires: u64,
    pub token: String,
}

impl Held {
    fn of(item: &HashMap<String, AttributeValue>) -> Held {
        let s = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        let n = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or_default()
        };
        Held {
            holder: s("Holder"),
            host: s("Host"),
            pid: n("Pid") as u32,
            since: n("Since"),
            expires: n("Expires"),
            token: s("Token"),
        }
    }

    /// Why the lock may be broken without `--force`, if it may.
    pub fn stale(&self, now: u64) -> Option<String> {
        if self.expires < now {
            return Some(format!("its lease ended {} s ago", now - self.expires));
        }
        if self.host == host() && self.pid != 0 && !process_alive(self.pid) {
            return Some(format!("process {} is gone from this host", self.pid));
        }
        None
    }
}

/// Seconds since the epoch, as lock items count time.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Whether a process of this pid runs on this machine (Linux: /proc; elsewhere assumed).
fn process_alive(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    !proc.exists() || proc.join(pid.to_string()).exists()
}

/// `user@host pid N (verb)`: enough for a colleague to know whom to ask.
fn holder(verb: &str) -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "someone".into());
    format!("{user}@{} pid {} ({verb})", host(), std::process::id())
}

fn error(message: String) -> AwsError {
    AwsError::Service {
        op: "lock".into(),
        code: "StackLocked".into(),
        message,
    }
}

fn missing_table(table: &str) -> AwsError {
    error(format!(
        "lock table {table} does not exist: create it once per account with `aws dynamodb create-table --table-name {table} --attribute-definitions AttributeName=LockID,AttributeType=S --key-schema AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST`, or remove `lock:` from the stack"
    ))
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

impl Lock {
    /// Take the lock on `owner` (`stack/env`), waiting up to `wait` for a holder to finish.
    /// While held, the lease is renewed in the background. `unlock` is the command that
    /// breaks this lock, for the refusal to name.
    pub async fn acquire(
        aws: &Aws,
        (table, owner, lease): (&str, &str, Duration),
        verb: &str,
        wait: Duration,
        unlock: &str,
    ) -> Result<Lock, AwsError> {
        let mut lock = Lock {
            table: table.to_string(),
            key: owner.to_string(),
            holder: holder(verb),
            token: format!("{:032x}", rand::random::<u128>()),
            lease,
            renewal: None,
        };
        let started = std::time::Instant::now();
        let mut said = false;
        loop {
            let taken = match lock.try_take(aws).await {
                Ok(()) => true,
                Err(e) if e.has_code("ConditionalCheckFailedException") => false,
                Err(e) if e.is_not_found() || e.has_code("ResourceNotFoundException") => {
                    return Err(missing_table(table))
                }
                Err(e) => return Err(e),
            };
            // Taken, or refused: read it either way. A refusal after a lost answer is our
            // own item; an item we wrote and then lost to a takeover is not ours.
            let held = read(aws, table, owner).await?;
            match held {
                Some(h) if h.token == lock.token => {
                    tracing::info!(owner, holder = %lock.holder, "lock held");
                    lock.renewal = Some(lock.renew_in_background(aws));
                    return Ok(lock);
                }
                None if taken => return Err(error(format!("the lock on {owner} vanished just after it was taken: another `idrv5-gw unlock --force`?"))),
                None => continue, // released between the write and the read
                Some(h) => {
                    let age = now().saturating_sub(h.since);
                    if started.elapsed() >= wait {
                        return Err(error(format!(
                            "stack {owner} is locked by {} since {age} s ago (table {table}); wait for it to finish, or pass --lock-wait SECONDS. \
                             If that run died, its lease ends within {} s; to release it now: {unlock}",
                            h.holder,
                            h.expires.saturating_sub(now())
                        )));
                    }
                    if !said {
                        eprintln!(
                            "waiting for the lock on {owner}: held by {} since {age} s ago",
                            h.holder
                        );
                        said = true;
                    }
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    }

    async fn try_take(&self, aws: &Aws) -> Result<(), AwsError> {
        let t = now();
        aws.call(|| {
            aws.dynamodb
                .put_item()
                .table_name(&self.table)
                .item("LockID", s(&self.key))
                .item("Holder", s(&self.holder))
                .item("Host", s(&host()))
                .item("Pid", n(std::process::id().into()))
                .item("Token", s(&self.token))
                .item("Since", n(t))
                .item("Expires", n(t + self.lease.as_secs()))
                .condition_expression("attribute_not_exists(LockID) OR Expires < :now")
                .expression_attribute_values(":now", n(t))
                .send()
        })
        .await
        .map(|_| ())
    }

    /// Push the lease forward every third of it, while this lock is ours.
    fn renew_in_background(&self, aws: &Aws) -> tokio::task::JoinHandle<()> {
        let (aws, table, key, token, lease) = (
            aws.clone(),
            self.table.clone(),
            self.key.clone(),
            self.token.clone(),
            self.lease,
        );
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                let r = aws
                    .call(|| {
                        aws.dynamodb
                            .update_item()
                            .table_name(&table)
                            .key("LockID", s(&key))
                            .update_expression("SET Expires = :e")
                            .condition_expression("#t = :me")
                            .expression_attribute_names("#t", "Token")
                            .expression_attribute_values(":e", n(now() + lease.as_secs()))
                            .expression_attribute_values(":me", s(&token))
                            .send()
                    })
                    .await;
                match r {
                    Ok(_) => tracing::info!(owner = %key, "lock renewed"),
                    Err(e) => {
                        eprintln!("warning: could not renew the lock on {key}: {e}");
                        if e.has_code("ConditionalCheckFailedException") {
                            return; // broken or taken over: nothing left to renew
                        }
                    }
                }
            }
        })
    }

    /// Release the lock if this run still holds it (a lock taken over is left alone).
    pub async fn release(mut self, aws: &Aws) -> Result<(), AwsError> {
        if let Some(r) = self.renewal.take() {
            r.abort();
        }
        let r = aws
            .call(|| {
                aws.dynamodb
                    .delete_item()
                    .table_name(&self.table)
                    .key("LockID", s(&self.key))
                    .condition_expression("#t = :me")
                    .expression_attribute_names("#t", "Token")
                    .expression_attribute_values(":me", s(&self.token))
                    .send()
            })
            .await;
        match r {
            Err(e) if e.has_code("ConditionalCheckFailedException") => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

/// The lock item on `owner`, if any.
pub async fn read(aws: &Aws, table: &str, owner: &str) -> Result<Option<Held>, AwsError> {
    let got = aws
        .call(|| {
            aws.dynamodb
                .get_item()
                .table_name(table)
                .key("LockID", s(owner))
                .consistent_read(true)
                .send()
        })
        .await;
    match got {
        Ok(g) => Ok(g.item().map(Held::of)),
        Err(e) if e.is_not_found() || e.has_code("ResourceNotFoundException") => {
            Err(missing_table(table))
        }
        Err(e) => Err(e),
    }
}

/// `idrv5-gw unlock`: delete the lock on `owner` if it is stale, or whatever holds it with
/// `force`. Returns who held it (None: nothing was locked).
pub async fn unlock(
    aws: &Aws,
    table: &str,
    owner: &str,
    force: bool,
) -> Result<Option<Held>, AwsError> {
    let Some(held) = read(aws, table, owner).await? else {
        return Ok(None);
    };
    if !force && held.stale(now()).is_none() {
        return Err(error(format!(
            "stack {owner} is locked by {} since {} s ago, and that run looks alive (lease ends in {} s{}). If you know it is gone, pass --force",
            held.holder,
            now().saturating_sub(held.since),
            held.expires.saturating_sub(now()),
            if held.host == host() { "" } else { ", on another host" }
        )));
    }
    // Only the item we read: a lock taken in between is someone else's to break. (An item
    // without a token was written by an older idrv5-gw: its holder and start name it.)
    let condition = if held.token.is_empty() {
        "attribute_not_exists(#t) AND Holder = :h AND Since = :s"
    } else {
        "#t = :t"
    };
    let r = aws
        .call(|| {
            let q = aws
                .dynamodb
                .delete_item()
                .table_name(table)
                .key("LockID", s(owner))
                .condition_expression(condition)
                .expression_attribute_names("#t", "Token");
            if held.token.is_empty() {
                q.expression_attribute_values(":h", s(&held.holder))
                    .expression_attribute_values(":s", n(held.since))
                    .send()
            } else {
                q.expression_attribute_values(":t", s(&held.token)).send()
            }
        })
        .await;
    match r {
        Err(e) if e.has_code("ConditionalCheckFailedException") => Err(error(format!(
            "the lock on {owner} changed hands while unlocking: run unlock again to see who holds it now"
        ))),
        other => other.map(|_| Some(held)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(host_name: &str, pid: u32, expires: u64) -> Held {
        Held {
            holder: "a@b pid 1 (apply)".into(),
            host: host_name.into(),
            pid,
            since: 0,
            expires,
            token: "t".into(),
        }
    }

    #[test]
    fn a_lock_is_stale_when_its_lease_ended_or_its_process_is_gone_here() {
        let t = 1_000_000;
        assert!(held("elsewhere", 1, t - 1)
            .stale(t)
            .is_some_and(|w| w.contains("lease ended 1 s ago")));
        assert_eq!(held("elsewhere", 1, t + 60).stale(t), None);
        // This process is alive; a pid above the kernel's limit is not.
        assert_eq!(held(&host(), std::process::id(), t + 60).stale(t), None);
        if std::path::Path::new("/proc").exists() {
            assert!(held(&host(), 4_194_305, t + 60).stale(t).is_some());
        }
    }
}
