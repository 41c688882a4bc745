//! `import --rest-api ID --out DIR`: a REST API that runs already, as a contract and a stack
//! file (`model::import`). An API another tool made is written with `adopt:`, so the first
//! apply tags it instead of creating a second one; one this tool made keeps its stack name.

use super::args::{Global, ImportArgs};
use super::import_items as items;
use crate::model::import::{self, Names};
use crate::model::owner::{TAG_ID, TAG_STACK};
use crate::providers::apigateway::read;
use crate::providers::aws::Aws;
use crate::util::command;
use anyhow::{bail, Context, Result};

pub async fn run(g: &Global, a: &ImportArgs) -> Result<i32> {
    super::account::check_profile(g.profile.as_deref())?;
    let aws = Aws::connect(&g.aws_options(), None).await?;
    match (&a.rest_api, &a.from_terraform_state) {
        (_, Some(file)) => from_terraform(&aws, a, file).await,
        (Some(wanted), None) => {
            import_api(&aws, a, wanted, &a.out).await?;
            Ok(0)
        }
        (None, None) => bail!("give --rest-api ID or --from-terraform-state FILE"),
    }
}

/// Each REST API of the state imported into its own folder (DIR itself when there is one),
/// then the `terraform state rm` lines for what the stack files now hold.
async fn from_terraform(aws: &Aws, a: &ImportArgs, file: &std::path::Path) -> Result<i32> {
    use crate::model::terraform;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let state: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let rs = terraform::resources(&state).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}; give `terraform show -json > state.json` or the .tfstate",
            file.display()
        )
    })?;
    let apis = terraform::rest_apis(&rs);
    if apis.is_empty() {
        bail!(
            "{} holds no aws_api_gateway_rest_api: nothing to import",
            file.display()
        );
    }
    let mut took = terraform::Took::default();
    for (address, id) in &apis {
        let out = if apis.len() == 1 {
            a.out.clone()
        } else {
            a.out
                .join(items::plain(address.rsplit('.').next().unwrap_or(address)))
        };
        println!("{address} ({id}):");
        let t = import_api(aws, a, id, &out).await?;
        took.rest_apis.extend(t.rest_apis);
        took.usage_plans.extend(t.usage_plans);
        took.api_keys.extend(t.api_keys);
        took.vpc_links.extend(t.vpc_links);
        took.log_groups.extend(t.log_groups);
    }
    let h = terraform::handover(&rs, &took);
    for (address, why) in &h.kept {
        eprintln!("note: {address}: {why}");
    }
    println!(
        "\nAfter the first `idrv5-gw apply` of the imported stack, hand over these {} resources (Terraform then forgets them; nothing is destroyed):",
        h.handed.len()
    );
    for address in &h.handed {
        println!("terraform state rm {}", crate::util::shell_word(address));
    }
    Ok(0)
}

/// One REST API (id or name) imported into `out`; what the files now hold.
async fn import_api(
    aws: &Aws,
    a: &ImportArgs,
    wanted: &str,
    out: &std::path::Path,
) -> Result<crate::model::terraform::Took> {
    let mut apis: Vec<_> = read::list_rest_apis(aws)
        .await?
        .into_iter()
        .filter(|x| x.id() == Some(wanted) || x.name() == Some(wanted))
        .collect();
    let api = match apis.len() {
        0 => bail!(
            "no REST API with the id or name `{wanted}` in {}: `aws apigateway get-rest-apis` lists them",
            aws.region
        ),
        1 => apis.remove(0),
        _ => bail!(
            "{} REST APIs are named `{wanted}` ({}): give the id",
            apis.len(),
            apis.iter()
                .filter_map(|x| x.id())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let id = api.id().unwrap_or_default().to_string();
    let mut tags = api.tags().cloned().unwrap_or_default();
    if tags.is_empty() {
        tags = read::get_tags(aws, &read::rest_api_arn(aws, &id)).await?;
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
                .unwrap_or_else(|| items::plain(api.name().unwrap_or("imported"))),
            a.environment.clone(),
            a.key.clone(),
            Some(id.as_str()),
        ),
    };
    let mut live = read::read_one_api(aws, format!("rest_api.{key}"), false, api.clone()).await?;
    items::fill_unreported(aws, &id, &mut live).await?;
    live.extend(log_groups(aws, &format!("{stack}/{environment}"), &key, &live).await?);
    let names = Names {
        stack: &stack,
        environment: &environment,
        region: &aws.region,
        key: &key,
        adopt,
        contract_file: "openapi.yaml",
    };
    let mut imported = import::rest_api(&live, &names);
    let owner = format!("{stack}/{environment}");
    let (plans, keys) = items::usage(aws, &id, &key, &owner, &mut imported.left).await?;
    import::usage(&mut imported.stack, &plans, &keys, &mut imported.left);
    let links = items::vpc_links(aws, &live, &owner, &mut imported.left).await?;
    import::vpc_links(&mut imported.stack, &links);
    let watched = items::alarms(
        aws,
        &owner,
        api.name().unwrap_or_default(),
        &mut imported.left,
    )
    .await?;
    if let Some(m) = crate::model::import_monitoring::monitoring(&watched, &key, &mut imported.left)
    {
        imported.stack["monitoring"] = m;
    }
    let edge = items::edge(aws, &owner, &live).await?;
    if let Some(w) = crate::model::import_edge::waf(&edge, &key, &mut imported.left) {
        imported.stack["edge"]["waf"] = w;
    }
    if let Some(d) = crate::model::import_edge::domains(&edge, &key, &id, &mut imported.left) {
        imported.stack["edge"]["domains"] = d;
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (contract, stack_file) = (out.join("openapi.yaml"), out.join("stack.yaml"));
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
    Ok(crate::model::terraform::Took {
        rest_apis: vec![id.clone()],
        usage_plans: plans.iter().map(|p| p.aws_id.clone()).collect(),
        api_keys: keys.iter().map(|k| k.aws_id.clone()).collect(),
        vpc_links: links.iter().map(|l| l.aws_id.clone()).collect(),
        log_groups: live
            .iter()
            .filter(|r| r.kind == crate::model::Kind::LogGroup)
            .map(|r| r.name.clone())
            .collect(),
    })
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
