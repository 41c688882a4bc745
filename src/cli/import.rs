//! `import --rest-api ID --out DIR`: a REST API that runs already, as a contract and a stack
//! file (`model::import`). An API another tool made is written with `adopt:`, so the first
//! apply tags it instead of creating a second one; one this tool made keeps its stack name.

use super::args::{Global, ImportArgs};
use crate::model::import::{self, Names};
use crate::model::owner::{TAG_ID, TAG_STACK};
use crate::providers::apigateway::read;
use crate::providers::aws::Aws;
use crate::util::command;
use anyhow::{bail, Context, Result};

pub async fn run(g: &Global, a: &ImportArgs) -> Result<i32> {
    super::account::check_profile(g.profile.as_deref())?;
    let aws = Aws::connect(&g.aws_options(), None).await?;
    let mut apis: Vec<_> = read::list_rest_apis(&aws)
        .await?
        .into_iter()
        .filter(|x| x.id() == Some(a.rest_api.as_str()) || x.name() == Some(a.rest_api.as_str()))
        .collect();
    let api = match apis.len() {
        0 => bail!(
            "no REST API with the id or name `{}` in {}: `aws apigateway get-rest-apis` lists them",
            a.rest_api,
            aws.region
        ),
        1 => apis.remove(0),
        _ => bail!(
            "{} REST APIs are named `{}` ({}): give the id",
            apis.len(),
            a.rest_api,
            apis.iter()
                .filter_map(|x| x.id())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let id = api.id().unwrap_or_default().to_string();
    let mut tags = api.tags().cloned().unwrap_or_default();
    if tags.is_empty() {
        tags = read::get_tags(&aws, &read::rest_api_arn(&aws, &id)).await?;
    }
    // One this tool made: the same stack, environment and key, so it plans as that stack's.
    let ours = tags.get(TAG_STACK).and_then(|s| s.split_once('/'));
    let (stack, environment, key, adopt) = match ours {
        Some((s, e)) => {
            let key = tags
                .get(TAG_ID)
                .and_then(|i| i.strip_prefix("rest_api."))
                .unwrap_or(&a.key);
            (s.to_string(), e.to_string(), key.to_string(), None)
        }
        None => (
            a.stack_name
                .clone()
                .unwrap_or_else(|| plain(api.name().unwrap_or("imported"))),
            a.environment.clone(),
            a.key.clone(),
            Some(id.as_str()),
        ),
    };
    let mut live = read::read_one_api(&aws, format!("rest_api.{key}"), false, api.clone()).await?;
    live.extend(log_groups(&aws, &format!("{stack}/{environment}"), &key, &live).await?);
    let names = Names {
        stack: &stack,
        environment: &environment,
        region: &aws.region,
        key: &key,
        adopt,
        contract_file: "openapi.yaml",
    };
    let imported = import::rest_api(&live, &names);
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let (contract, stack_file) = (a.out.join("openapi.yaml"), a.out.join("stack.yaml"));
    for f in [&contract, &stack_file] {
        if f.exists() {
            bail!(
                "{} exists: import writes new files only; choose another --out",
                f.display()
            );
        }
    }
    let header = format!(
        "# Imported by idrv5-gw from REST API {id} ({}) in {}.\n",
        api.name().unwrap_or_default(),
        aws.region
    );
    std::fs::write(&contract, crate::openapi::yaml::to_yaml(&imported.contract))?;
    std::fs::write(
        &stack_file,
        header + &crate::openapi::yaml::to_yaml(&imported.stack),
    )?;
    let routes = live
        .iter()
        .filter(|r| r.kind == crate::model::Kind::Route)
        .count();
    println!(
        "Wrote {} ({routes} routes) and {}.",
        contract.display(),
        stack_file.display()
    );
    for l in &imported.left {
        eprintln!("warning: not imported: {l}");
    }
    let plan = command(&format!(
        "plan --stack {}",
        crate::util::shell_word(&stack_file.display().to_string())
    ));
    match adopt {
        Some(_) => println!(
            "Next: `{plan}` shows `~ adopt` for what the stack takes over{}; the first apply tags it, nothing is created.",
            if imported.left.is_empty() { " and nothing else" } else { ", and the changes the warnings above name" }
        ),
        None => println!("Next: `{plan}`: the API is this tool's already (stack {stack}/{environment})."),
    }
    Ok(0)
}

/// The log groups the API's stages write access logs to: the stack's own, or untagged
/// (read as adopted); one another stack owns is a warning and left out.
async fn log_groups(
    aws: &Aws,
    owner: &str,
    key: &str,
    live: &[crate::model::LiveResource],
) -> Result<Vec<crate::model::LiveResource>> {
    let mut adopt = std::collections::BTreeMap::new();
    for r in live.iter().filter(|r| r.kind == crate::model::Kind::Stage) {
        let arn = r
            .props
            .get("access_log_destination")
            .and_then(|v| v.as_str());
        if let Some(name) = arn.and_then(|a| a.split(":log-group:").nth(1)) {
            adopt.insert(
                name.trim_end_matches(":*").to_string(),
                format!("log_group.{key}.{}", r.name),
            );
        }
    }
    let names = adopt.keys().cloned().collect();
    let mut state = crate::model::LiveState::default();
    for d in crate::providers::logs::read(aws, owner, &names, &adopt, &mut state).await? {
        eprintln!("warning: {}", d.summary);
    }
    Ok(state.resources.into_values().collect())
}

/// A stack name from an API's name: letters, digits, - and _.
fn plain(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() {
        "imported".into()
    } else {
        s
    }
}
