//! The resource kinds and the props shape every kind shares. What each kind means (its
//! label, replace keys, PATCH table, costs, typed props) is in `kinds/`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Properties, diffed key by key. Nested objects are compared leaf by leaf.
pub type Props = BTreeMap<String, Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    VpcLink,
    LogGroup,
    RestApi,
    Authorizer,
    Validator,
    Model,
    GatewayResponse,
    Path,
    Route,
    Deployment,
    Stage,
    ApiKey,
    UsagePlan,
    UsagePlanKey,
    LambdaPermission,
    // HTTP and WebSocket APIs (API Gateway v2, issue 6).
    VpcLinkV2,
    HttpApi,
    WebSocketApi,
    ApiAuthorizer,
    ApiIntegration,
    ApiRoute,
    ApiStage,
    ApiDeployment,
    // The edge (issue 4): WAF, certificates, custom domains, DNS.
    IpSet,
    WebAcl,
    WebAclAssociation,
    Certificate,
    DnsRecord,
    DomainName,
    BasePathMapping,
    ApiMapping,
    // Observability (issue 5).
    Alarm,
    Dashboard,
}
