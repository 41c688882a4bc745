//! The optional apply lock: one item per stack in a DynamoDB table, taken with a conditional
//! write, so two applies of the same stack never run at once. A lease bounds a lock whose
//! holder died (SIGKILL, lost laptop); the next apply after it expires takes it over.

use super::aws::{Aws, AwsError};
use aws_sdk_dynamodb::types::AttributeValue;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a lock holds without its holder releasing it.
pub const LEASE: Duration = Duration::from_secs(2 * 60 * 60);

pub struct Lock {
    table: String,
    key: String,
    holder: String,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// `user@host pid N (verb)`: enough for a colleague to know whom to ask.
fn holder(verb: &str) -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "someone".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into());
    format!("{user}@{host} pid {} ({verb})", std::process::id())
}

fn error(message: String) -> AwsError {
    AwsError::Service {
        op: "lock".into(),
        code: "StackLocked".into(),
        message,
    }
}

impl Lock {
    /// Take the lock on `owner` (`stack/env`), waiting up to `wait` for a holder to finish.
    pub async fn acquire(
        aws: &Aws,
        table: &str,
        owner: &str,
        verb: &str,
        wait: Duration,
    ) -> Result<Lock, AwsError> {
        let lock = Lock {
            table: table.to_string(),
            key: owner.to_string(),
            holder: holder(verb),
        };
        let started = std::time::Instant::now();
        let mut said = false;
        loop {
            match lock.try_take(aws).await {
                Ok(()) => return Ok(lock),
                Err(e) if e.has_code("ConditionalCheckFailedException") => {
                    let (by, since) = lock.current(aws).await?;
                    let age = now().saturating_sub(since);
                    if started.elapsed() >= wait {
                        return Err(error(format!(
                            "stack {owner} is locked by {by} since {age} s ago (table {table}); wait for it to finish, or pass --lock-wait SECONDS. \
                             If that run died, its lease ends {} s after it began; to release it now: aws dynamodb delete-item --table-name {table} --key '{{\"LockID\":{{\"S\":\"{owner}\"}}}}'",
                            LEASE.as_secs()
                        )));
                    }
                    if !said {
                        eprintln!("waiting for the lock on {owner}: held by {by} since {age} s ago");
                        said = true;
                    }
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) if e.is_not_found() || e.has_code("ResourceNotFoundException") => {
                    return Err(error(format!(
                        "lock table {table} does not exist: create it once per account with `aws dynamodb create-table --table-name {table} --attribute-definitions AttributeName=LockID,AttributeType=S --key-schema AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST`, or remove `lock:` from the stack"
                    )))
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn try_take(&self, aws: &Aws) -> Result<(), AwsError> {
        let t = now();
        aws.call(|| {
            aws.dynamodb
                .put_item()
                .table_name(&self.table)
                .item("LockID", AttributeValue::S(self.key.clone()))
                .item("Holder", AttributeValue::S(self.holder.clone()))
                .item("Since", AttributeValue::N(t.to_string()))
                .item(
                    "Expires",
                    AttributeValue::N((t + LEASE.as_secs()).to_string()),
                )
                .condition_expression("attribute_not_exists(LockID) OR Expires < :now")
                .expression_attribute_values(":now", AttributeValue::N(t.to_string()))
                .send()
        })
        .await
        .map(|_| ())
    }

    /// Who holds the lock and since when (epoch seconds).
    async fn current(&self, aws: &Aws) -> Result<(String, u64), AwsError> {
        let item = aws
            .call(|| {
                aws.dynamodb
                    .get_item()
                    .table_name(&self.table)
                    .key("LockID", AttributeValue::S(self.key.clone()))
                    .consistent_read(true)
                    .send()
            })
            .await?;
        let item = item.item();
        let by = item
            .and_then(|i| i.get("Holder"))
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_else(|| "(released just now)".into());
        let since = item
            .and_then(|i| i.get("Since"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(now);
        Ok((by, since))
    }

    /// Release the lock if this run still holds it (a lease taken over is left alone).
    pub async fn release(self, aws: &Aws) -> Result<(), AwsError> {
        let r = aws
            .call(|| {
                aws.dynamodb
                    .delete_item()
                    .table_name(&self.table)
                    .key("LockID", AttributeValue::S(self.key.clone()))
                    .condition_expression("Holder = :me")
                    .expression_attribute_values(":me", AttributeValue::S(self.holder.clone()))
                    .send()
            })
            .await;
        match r {
            Err(e) if e.has_code("ConditionalCheckFailedException") => Ok(()),
            other => other.map(|_| ()),
        }
    }
}
