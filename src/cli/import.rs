//! `import --rest-api ID --out DIR`: a REST API that runs already, as a contract and a stack
//! file (`model::import`). An API another tool made is written with `adopt:`, so the first
//! apply tags it instead of creating a second one; one this tool made keeps its stack name.

use super::args::{Global, ImportArgs};
use super::import_items as items;
use super::import_v2;
use crate::model::import::{self, Names};
use crate::model::monitoring_metrics::Protocol;
use crate::model::owner::{TAG_ID, TAG_STACK};
use crate::providers::apigateway::read;
use crate::providers::aws::Aws;
use crate::util::command;
use anyhow::{bail, Context, Result};

pub async fn run(g: &Global, a: &ImportArgs) -> Result<i32> {
    super::account::check_profile(g.profile.as_deref())?;
    let aws = Aws::connect(&g.aws_options(), None).await?;
    match &a.from_terraform_state {
        Some(file) => from_terraform(&aws, a, file).await,
        None => {
            let v2 = import_v2::find(&aws, &a.http_api, &a.websocket_api).await?;
            if a.rest_api.is_none() && v2.is_empty() {
                bail!("give --rest-api, --http-api or --websocket-api (id or name), or --from-terraform-state FILE");
            }
            import_api(&aws, a, a.rest_api.as_deref(), v2, &a.out).await?;
            Ok(0)
        }
    }
}

/// The APIs of the state imported (REST, HTTP and WebSocket), then the `terraform state rm`
/// lines for what the stack files now hold.
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
    let (rest, v2) = (terraform::rest_apis(&rs), terraform::v2_apis(&rs));
    if rest.is_empty() && v2.is_empty() {
        bail!(
            "{} holds no aws_api_gateway_rest_api or aws_apigatewayv2_api: nothing to import",
            file.display()
        );
    }
    // (addresses, the REST API, the v2 APIs as (id, websocket), folder): one stack when
    // there is at most one REST API, its HTTP and WebSocket APIs beside it; else one each.
    type Group<'a> = (
        Vec<&'a str>,
        Option<&'a str>,
        Vec<(&'a str, bool)>,
        std::path::PathBuf,
    );
    let folder = |address: &str| {
        a.out
            .join(items::plain(address.rsplit('.').next().unwrap_or(address)))
    };
    let groups: Vec<Group> = if rest.len() <= 1 {
        let mut addresses: Vec<&str> = rest.iter().map(|r| r.0).collect();
        addresses.extend(v2.iter().map(|v| v.0));
        let apis = v2.iter().map(|v| (v.1, v.2)).collect();
        vec![(addresses, rest.first().map(|r| r.1), apis, a.out.clone())]
    } else {
        let rest = rest
            .iter()
            .map(|(ad, id)| (vec![*ad], Some(*id), vec![], folder(ad)));
        rest.chain(
            v2.iter()
                .map(|(ad, id, ws)| (vec![*ad], None, vec![(*id, *ws)], folder(ad))),
        )
        .collect()
    };
    let mut took = terraform::Took::default();
    for (addresses, rest_id, apis, out) in groups {
        println!("{}:", addresses.join(", "));
        let (ws, http): (Vec<_>, Vec<_>) = apis.into_iter().partition(|x| x.1);
        let ids = |v: Vec<(&str, bool)>| v.into_iter().map(|x| x.0.to_string()).collect::<Vec<_>>();
        let found = import_v2::find(aws, &ids(http), &ids(ws)).await?;
        took.add(import_api(aws, a, rest_id, found, &out).await?);
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

/// Who the imported stack is: its name, environment and the REST API's key, and the REST
/// API's id to adopt when no stack made it.
struct Who {
    stack: String,
    environment: String,
    key: String,
    adopt: Option<String>,
}

/// The REST API (id or name) and the v2 APIs found, imported into `out` as one stack; what
/// the files now hold.
async fn import_api(
    aws: &Aws,
    a: &ImportArgs,
    wanted: Option<&str>,
    v2: Vec<import_v2::Found>,
    out: &std::path::Path,
) -> Result<crate::model::terraform::Took> {
    let api = match wanted {
        Some(w) => Some(find_rest_api(aws, w).await?),
        None => None,
    };
    let who = match &api {
        Some((api, tags)) => rest_owner(a, api, tags),
        None => {
            let made = v2.iter().find_map(|f| f.owner.as_deref());
            let (s, e) = match made.and_then(|o| o.split_once('/')) {
                Some((s, e)) => (s.to_string(), e.to_string()),
                None => (
                    a.stack_name.clone().unwrap_or_else(|| v2[0].key.clone()),
                    a.environment.clone(),
                ),
            };
            Who {
                stack: s,
                environment: e,
                key: a.key.clone(),
                adopt: None,
            }
        }
    };
    let owner = format!("{}/{}", who.stack, who.environment);
    if let Some(f) = v2
        .iter()
        .find(|f| f.owner.as_ref().is_some_and(|o| *o != owner))
    {
        bail!(
            "API `{}` belongs to the stack {}, not {owner}: import each stack's APIs apart",
            f.api.name().unwrap_or_default(),
            f.owner.as_deref().unwrap_or_default()
        );
    }
    let adopts = who.adopt.is_some() || v2.iter().any(|f| f.owner.is_none());
    let mut live = Vec::new();
    let (mut imported, mut took) = (
        import::Imported {
            contract: serde_json::Value::Null,
            stack: serde_json::json!({"stack": who.stack, "environment": who.environment, "region": aws.region}),
            left: Vec::new(),
        },
        crate::model::terraform::Took::default(),
    );
    if let Some((api, _)) = &api {
        let id = api.id().unwrap_or_default().to_string();
        live = read::read_one_api(aws, format!("rest_api.{}", who.key), false, api.clone()).await?;
        items::fill_unreported(aws, &id, &mut live).await?;
        live.extend(items::log_groups(aws, &owner, &who.key, &live).await?);
        let names = Names {
            stack: &who.stack,
            environment: &who.environment,
            region: &aws.region,
            key: &who.key,
            adopt: who.adopt.as_deref(),
            contract_file: "openapi.yaml",
        };
        imported = import::rest_api(&live, &names);
        took = rest_items(aws, &who, &owner, &id, &live, &mut imported).await?;
    }
    let v2_ids: Vec<String> = v2
        .iter()
        .filter_map(|f| f.api.api_id().map(str::to_string))
        .collect();
    let mut edge =
        super::import_edge::edge(aws, &owner, &live, &v2_ids, &mut imported.left).await?;
    let (v2_live, entries) =
        import_v2::read(aws, &owner, &v2, &mut edge, &mut imported.left).await?;
    for e in &entries {
        imported.stack[e.section][e.key.as_str()] = e.entry.clone();
    }
    crate::model::import_v2::vpc_links(&mut imported.stack, &v2_live, &entries);
    let used = |r: &&crate::model::LiveResource| entries.iter().any(|e| e.links.contains(&r.name));
    let links = v2_live
        .iter()
        .filter(|r| r.kind == crate::model::Kind::VpcLinkV2);
    let v2_links: Vec<String> = links
        .filter(used)
        .filter_map(|r| r.outputs.get("id").cloned())
        .collect();
    let mut watched: Vec<items::Watched> = api
        .iter()
        .map(|(api, _)| items::Watched {
            key: who.key.clone(),
            protocol: Protocol::Rest,
            api: api.name().unwrap_or_default().to_string(),
            stages: items::names_of(&live, crate::model::Kind::Stage, None),
        })
        .collect();
    watched.extend(v2.iter().map(|f| import_v2::watched(f, &v2_live)));
    took.alarms = monitoring(aws, &owner, &watched, &mut imported).await?;
    if let Some(w) = crate::model::import_edge::waf(&edge, &who.key, &mut imported.left) {
        imported.stack["edge"]["waf"] = w;
        let waf = [crate::model::Kind::WebAcl, crate::model::Kind::IpSet];
        let items = edge.iter().filter(|r| waf.contains(&r.kind));
        took.waf = items.filter_map(|r| r.outputs.get("id").cloned()).collect();
    }
    let mut mapped: std::collections::HashMap<String, String> = v2
        .iter()
        .filter_map(|f| Some((f.api.api_id()?.to_string(), f.key.clone())))
        .collect();
    if let Some((api, _)) = &api {
        mapped.insert(api.id().unwrap_or_default().to_string(), who.key.clone());
    }
    if let Some(d) = crate::model::import_edge::domains(&edge, &mapped, &mut imported.left) {
        let keys: Vec<String> = d
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        crate::model::import_edge::took_domains(&edge, &keys, &mut took);
        imported.stack["edge"]["domains"] = d;
    }
    write(aws, out, &imported, api.as_ref().map(|x| &x.0), &v2, &live)?;
    took.v2_apis = v2_ids;
    took.vpc_links.extend(v2_links);
    took.log_groups.extend(
        v2_live
            .iter()
            .filter(|r| r.kind == crate::model::Kind::LogGroup)
            .map(|r| r.name.clone()),
    );
    let plan = command(&format!(
        "plan --stack {}",
        crate::util::shell_word(&out.join("stack.yaml").display().to_string())
    ));
    match adopts {
        true => println!(
            "Next: `{plan}` shows `~ adopt` for what the stack takes over{}; the first apply tags it, nothing is created.",
            if imported.left.is_empty() { " and nothing else" } else { ", and the changes the warnings above name" }
        ),
        false => println!("Next: `{plan}`: the APIs are this tool's already (stack {owner})."),
    }
    Ok(took)
}

/// The REST API with this id or name, and its tags (asked apart where the list has none).
async fn find_rest_api(
    aws: &Aws,
    wanted: &str,
) -> Result<(
    aws_sdk_apigateway::types::RestApi,
    std::collections::HashMap<String, String>,
)> {
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
    let tags = read::tags_of(aws, api.tags(), "restapis", api.id().unwrap_or_default()).await?;
    Ok((api, tags))
}

/// One this tool made keeps its stack, environment and key, so it plans as that stack's;
/// one made otherwise is adopted under the names given.
fn rest_owner(
    a: &ImportArgs,
    api: &aws_sdk_apigateway::types::RestApi,
    tags: &std::collections::HashMap<String, String>,
) -> Who {
    match tags.get(TAG_STACK).and_then(|s| s.split_once('/')) {
        Some((s, e)) => Who {
            stack: s.into(),
            environment: e.into(),
            key: tags
                .get(TAG_ID)
                .and_then(|i| i.strip_prefix("rest_api."))
                .unwrap_or(&a.key)
                .into(),
            adopt: None,
        },
        None => Who {
            stack: a
                .stack_name
                .clone()
                .unwrap_or_else(|| items::plain(api.name().unwrap_or("imported"))),
            environment: a.environment.clone(),
            key: a.key.clone(),
            adopt: api.id().map(str::to_string),
        },
    }
}

/// The `monitoring` section for the imported APIs' stages, from the stack's alarms and the
/// ones made otherwise that watch a stage; the names of the alarms it covers.
async fn monitoring(
    aws: &Aws,
    owner: &str,
    watched: &[items::Watched],
    imported: &mut import::Imported,
) -> Result<Vec<String>> {
    let live = items::alarms(aws, owner, watched, &mut imported.left).await?;
    let apis: Vec<(&str, Protocol)> = watched
        .iter()
        .map(|w| (w.key.as_str(), w.protocol))
        .collect();
    let section = crate::model::import_monitoring::monitoring(&live, &apis, &mut imported.left);
    if let Some(m) = section {
        imported.stack["monitoring"] = m;
    }
    let alarms = live.iter().filter(|r| r.kind == crate::model::Kind::Alarm);
    Ok(alarms.map(|r| r.name.clone()).collect())
}

/// What the REST API uses beyond itself: usage plans and keys, VPC links.
async fn rest_items(
    aws: &Aws,
    who: &Who,
    owner: &str,
    id: &str,
    live: &[crate::model::LiveResource],
    imported: &mut import::Imported,
) -> Result<crate::model::terraform::Took> {
    let key = &who.key;
    let (plans, keys) = items::usage(aws, id, key, owner, &mut imported.left).await?;
    import::usage(&mut imported.stack, &plans, &keys, &mut imported.left);
    let links = items::vpc_links(aws, live, owner, &mut imported.left).await?;
    import::vpc_links(&mut imported.stack, &links);
    Ok(crate::model::terraform::Took {
        rest_apis: vec![id.to_string()],
        usage_plans: plans.iter().map(|p| p.aws_id.clone()).collect(),
        api_keys: keys.iter().map(|k| k.aws_id.clone()).collect(),
        vpc_links: links.iter().map(|l| l.aws_id.clone()).collect(),
        log_groups: live
            .iter()
            .filter(|r| r.kind == crate::model::Kind::LogGroup)
            .map(|r| r.name.clone())
            .collect(),
        ..Default::default()
    })
}

/// The contract (with a REST API) and the stack file, new files only; then what was written
/// and what was not.
fn write(
    aws: &Aws,
    out: &std::path::Path,
    imported: &import::Imported,
    rest: Option<&aws_sdk_apigateway::types::RestApi>,
    v2: &[import_v2::Found],
    live: &[crate::model::LiveResource],
) -> Result<()> {
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
    let mut from: Vec<String> = rest
        .map(|r| {
            format!(
                "REST API {} ({})",
                r.id().unwrap_or_default(),
                r.name().unwrap_or_default()
            )
        })
        .into_iter()
        .collect();
    for f in v2 {
        let kind = if f.api.protocol_type()
            == Some(&aws_sdk_apigatewayv2::types::ProtocolType::Websocket)
        {
            "WebSocket API"
        } else {
            "HTTP API"
        };
        from.push(format!(
            "{kind} {} ({})",
            f.api.api_id().unwrap_or_default(),
            f.api.name().unwrap_or_default()
        ));
    }
    let header = format!(
        "# Imported by idrv5-gw from {} in {}.\n",
        from.join(", "),
        aws.region
    );
    std::fs::write(
        &stack_file,
        header + &crate::openapi::yaml::to_yaml(&imported.stack),
    )?;
    if rest.is_some() {
        std::fs::write(&contract, crate::openapi::yaml::to_yaml(&imported.contract))?;
        let routes = live
            .iter()
            .filter(|r| r.kind == crate::model::Kind::Route)
            .count();
        println!(
            "Wrote {} ({routes} routes) and {}.",
            contract.display(),
            stack_file.display()
        );
    } else {
        println!("Wrote {}.", stack_file.display());
    }
    for l in &imported.left {
        eprintln!("warning: not imported: {l}");
    }
    Ok(())
}
