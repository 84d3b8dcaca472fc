"""The IAM policy evaluator (scripts/localaws/iam_policy.py), pure: each case names the AWS
documentation page (IAM User Guide unless said otherwise) whose rule it checks."""

from __future__ import annotations

import pytest
from localaws.iam_policy import AuthzRequest, Policy, StatementRef, denial_message, evaluate

ACCOUNT = "123456789012"
OTHER = "210987654321"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/workflows/demo-split-lambda"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/demo-split-lambda/demo-split"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
OTHER_SESSION = f"arn:aws:sts::{OTHER}:assumed-role/reader/s1"
OBJECT = "arn:aws:s3:::media-in/incoming/clip.mp4"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def request(
    action="s3:GetObject", resource=OBJECT, principal=SESSION, context=None, account=ACCOUNT
) -> AuthzRequest:
    return AuthzRequest(principal, action, resource, context or {}, account)


def policy(*statements, version="2012-10-17", source="inline policy 'least-privilege'"):
    return Policy({"Version": version, "Statement": list(statements)}, source)


def statement(effect="Allow", action="s3:GetObject", resource=OBJECT, **extra) -> dict:
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


def bucket_policy(*statements) -> Policy:
    """A bucket policy; without statements, one that does not apply to the requests here."""
    unrelated = statement("Allow", "s3:ListBucket", "arn:aws:s3:::nothing", Principal="*")
    return policy(*(statements or (unrelated,)), source="bucket policy of media-in")


def allowed(req=None, identity=(), resource=None, **options) -> bool:
    return evaluate(req or request(), identity, resource, **options).allowed


def holds(condition: dict, context: dict, version="2012-10-17") -> bool:
    """Whether an Allow statement with this Condition grants a request with this context."""
    grant = policy(statement(Condition=condition), version=version)
    return allowed(request(context=context), [grant])


# -- Policy evaluation logic ----------------------------------------------------------------------


def test_no_policy_is_an_implicit_deny():
    """Per "Policy evaluation logic": by default, all requests are implicitly denied."""
    decision = evaluate(request())
    assert not decision.allowed and decision.denied_by is None
    assert decision.reason == "because no identity-based policy allows the s3:GetObject action"


def test_identity_allow_grants_and_names_the_statement():
    decision = evaluate(request(), [policy(statement(Sid="ReadIncoming"))])
    assert decision.allowed
    assert decision.matched == (StatementRef("inline policy 'least-privilege'", "ReadIncoming", 0),)
    assert str(decision.matched[0]) == "inline policy 'least-privilege' statement ReadIncoming"


def test_every_granting_statement_is_reported():
    """For a least-privilege report: all Allow statements that match, by Sid or index."""
    grants = [policy(statement(), statement(action="s3:*")), policy(statement(resource="*"))]
    matched = evaluate(request(), grants).matched
    assert [str(ref) for ref in matched] == [
        "inline policy 'least-privilege' statement 0",
        "inline policy 'least-privilege' statement 1",
        "inline policy 'least-privilege' statement 0",
    ]


def test_explicit_deny_in_an_identity_policy_overrides_allows():
    """Per "Policy evaluation logic": an explicit deny in any policy overrides the allow."""
    deny = policy(statement("Deny", "s3:*", "arn:aws:s3:::media-*"), source="deny-all")
    decision = evaluate(request(), [policy(statement()), deny], bucket_policy())
    assert not decision.allowed
    assert decision.denied_by == StatementRef("deny-all", None, 0)
    assert decision.reason == "with an explicit deny in an identity-based policy"


def test_explicit_deny_in_the_resource_policy_overrides_an_identity_allow():
    tls_only = statement("Deny", "s3:*", "arn:aws:s3:::media-in/*", Principal="*")
    tls_only["Condition"] = {"Bool": {"aws:SecureTransport": "false"}}
    req = request(context={"aws:SecureTransport": False})
    decision = evaluate(req, [policy(statement())], bucket_policy(tls_only))
    assert not decision.allowed
    assert decision.reason == "with an explicit deny in a resource-based policy"
    assert allowed(request(context={"aws:SecureTransport": True}), [policy(statement())])


def test_same_account_resource_policy_naming_the_role_grants_alone():
    """Per "Policy evaluation for requests within a single account": if either the identity-based
    or the resource-based policy allows, the request is allowed (S3 "How Amazon S3 authorizes a
    request": the owner grants its principals "by using either the user policy or the resource
    policy"); a role ARN names its sessions ("AWS JSON policy elements: Principal")."""
    grant = bucket_policy(statement(Principal={"AWS": ROLE}))
    decision = evaluate(request(), [], grant)
    assert decision.allowed and decision.matched == (StatementRef(grant.source, None, 0),)


@pytest.mark.parametrize("account", [ACCOUNT, ROOT])
def test_same_account_resource_policy_naming_the_account_delegates(account):
    """Per "AWS account principals": naming the account (ID or root ARN) delegates authority to the
    account, it does not grant its users and roles: their identity policies must allow."""
    grant = bucket_policy(statement(Principal={"AWS": account}))
    assert not allowed(resource=grant)
    assert allowed(identity=[policy(statement())], resource=grant)
    assert allowed(request(principal=ROOT), resource=grant)  # the root user itself is named
    # a Deny naming the account applies to everyone in it
    deny = statement("Deny", "s3:*", "*", Principal={"AWS": account})
    assert not allowed(identity=[policy(statement())], resource=bucket_policy(deny))


def test_cross_account_needs_both_identity_and_resource_policy():
    """Per "Cross-account policy evaluation logic": both sides must allow."""
    req = request(principal=OTHER_SESSION)
    own = [policy(statement())]
    shared = bucket_policy(statement(Principal={"AWS": OTHER}))
    assert evaluate(req, own).reason == (
        "because no resource-based policy allows the s3:GetObject action"
    )
    assert evaluate(req, [], shared).reason == (
        "because no identity-based policy allows the s3:GetObject action"
    )
    assert allowed(req, own, shared)
    assert not allowed(req, own, bucket_policy(statement(Principal={"AWS": ACCOUNT})))


def test_root_user_has_full_access_to_its_account_unless_denied():
    """Per "Policy evaluation logic": requests are implicitly denied except for the root user."""
    assert allowed(request(principal=ROOT))
    assert not allowed(request(principal=ROOT), [policy(statement("Deny", "s3:*", "*"))])


# -- KMS key policies and role trust policies ("Key policies in AWS KMS") -------------------------

DECRYPT = request("kms:Decrypt", KEY)
ROOT_KEY_POLICY = policy(
    statement(action="kms:*", resource="*", Sid="Enable IAM policies", Principal={"AWS": ROOT}),
    source="key policy",
)


def test_key_policy_must_allow_even_when_an_identity_policy_does():
    """KMS "Key policies": without permission from the key policy, IAM policies that allow
    permissions have no effect."""
    identity = [policy(statement(action="kms:Decrypt", resource=KEY))]
    other = policy(statement(action="kms:*", resource="*", Principal={"AWS": OTHER}))
    decision = evaluate(DECRYPT, identity, other, resource_policy_required=True)
    assert not decision.allowed
    assert decision.reason == "because no resource-based policy allows the kms:Decrypt action"
    assert not allowed(DECRYPT, identity, None, resource_policy_required=True)


def test_key_policy_allowing_the_account_enables_identity_policies():
    """KMS default key policy: "Allows access to the AWS account and enables IAM policies"."""
    identity = [policy(statement(action="kms:Decrypt", resource=KEY))]
    decision = evaluate(DECRYPT, identity, ROOT_KEY_POLICY, resource_policy_required=True)
    assert decision.allowed
    assert [ref.source for ref in decision.matched] == [
        "key policy",
        "inline policy 'least-privilege'",
    ]
    alone = evaluate(DECRYPT, [], ROOT_KEY_POLICY, resource_policy_required=True)
    assert alone.reason == "because no identity-based policy allows the kms:Decrypt action"


def test_key_policy_naming_the_role_grants_without_identity_policy():
    key_users = policy(statement(action="kms:Decrypt", resource="*", Principal={"AWS": ROLE}))
    assert allowed(DECRYPT, [], key_users, resource_policy_required=True)


def test_role_trust_policy_names_the_service_that_may_assume_the_role():
    """Per "AWS service principals" in a trust policy; its denial names the role trust policy
    ("Troubleshoot access denied error messages")."""
    trust = Policy(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            },
        },
        "trust policy of demo-split-lambda",
    )

    def assume(principal: str, source_account: str = ACCOUNT):
        req = request("sts:AssumeRole", ROLE, principal, {"aws:SourceAccount": source_account})
        return evaluate(req, [], trust, resource_policy_required=True)

    assert assume("lambda.amazonaws.com").allowed
    assert not assume("lambda.amazonaws.com", OTHER).allowed
    assert assume("glue.amazonaws.com").reason == (
        "because no role trust policy allows the sts:AssumeRole action"
    )


def test_explicit_deny_in_a_trust_policy():
    trust = policy(
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"},
    )
    decision = evaluate(request("sts:AssumeRole", ROLE, USER), [], trust)
    assert decision.reason == "with an explicit deny in the role trust policy"


# -- Action, Resource, Principal ("IAM JSON policy elements") -------------------------------------


@pytest.mark.parametrize(
    "action, grants",
    [
        ("s3:GetObject", True),
        ("S3:getobject", True),  # "The prefix and the action name are case insensitive"
        ("s3:Get*", True),
        ("s3:Get?bject", True),
        (["sqs:SendMessage", "s3:GetObject"], True),
        ("s3:GetObjectTagging", False),
        ("s3:*Object*", True),
        ("sqs:*", False),
    ],
)
def test_action_matching(action, grants):
    assert allowed(identity=[policy(statement(action=action))]) is grants


def test_not_action_matches_every_other_action():
    """Per "NotAction": allows everything except the listed actions."""
    grant = [policy({"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*"})]
    assert allowed(identity=grant)
    assert not allowed(request("s3:DeleteObject"), grant)


@pytest.mark.parametrize(
    "resource, grants",
    [
        ("*", True),
        ("arn:aws:s3:::media-in/*", True),
        ("arn:aws:s3:::media-in/*/clip.mp4", True),  # * spans "/" within the part
        ("arn:aws:s3:::media-in/incoming/clip.mp?", True),
        ("arn:aws:s3:::Media-in/*", False),  # case-sensitive
        ("arn:aws:s3:::media-in", False),
        (["arn:aws:s3:::other/*", "arn:aws:s3:::media-in/incoming/*"], True),
    ],
)
def test_resource_matching(resource, grants):
    """Per "IAM JSON policy elements: Resource", Using wildcards in resource ARNs."""
    assert allowed(identity=[policy(statement(resource=resource))]) is grants


def test_resource_wildcards_stay_within_an_arn_part():
    """Wildcards are used "within ARN segments (the parts separated by colons)"."""
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:demo-split"
    req = request("lambda:InvokeFunction", function)
    assert allowed(req, [policy(statement("Allow", "lambda:*", f"arn:aws:lambda:*:{ACCOUNT}:*"))])
    assert not allowed(req, [policy(statement("Allow", "lambda:*", "arn:aws:lambda:*:function:*"))])


def test_not_resource_and_star_only_resources():
    grant = [policy({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})]
    assert allowed(identity=grant)
    assert not allowed(request(resource="arn:aws:s3:::secret/key"), grant)
    # an action without resource-level permissions is authorized against "*"
    assert not allowed(request("s3:ListAllMyBuckets", "*"), [policy(statement(action="s3:*"))])


@pytest.mark.parametrize(
    "principal, caller, grants",
    [
        ("*", SESSION, True),
        ({"AWS": "*"}, USER, True),
        ({"AWS": ROLE}, SESSION, True),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/demo-merge-lambda"}, SESSION, False),
        ({"AWS": [USER, SESSION]}, SESSION, True),
        ({"AWS": SESSION}, f"arn:aws:sts::{ACCOUNT}:assumed-role/demo-split-lambda/other", False),
        ({"AWS": USER}, f"arn:aws:iam::{ACCOUNT}:user/bob", False),
        ({"Service": "s3.amazonaws.com"}, "s3.amazonaws.com", True),
        ({"Service": ["sns.amazonaws.com"]}, "s3.amazonaws.com", False),
        ({"AWS": ROLE}, "s3.amazonaws.com", False),
    ],
)
def test_principal_matching(principal, caller, grants):
    """Per "AWS JSON policy elements: Principal": all principals, role, session, user, service."""
    grant = bucket_policy(statement(Principal=principal))
    assert allowed(request(principal=caller), [], grant) is grants


def test_not_principal_with_deny_spares_only_the_listed_principal_and_account():
    """Per "NotPrincipal": with Deny, list the principal and its account ARN, else the account (and
    so the principal) is denied."""

    def spared(not_principal) -> bool:
        deny = statement("Deny", "s3:*", "*", NotPrincipal={"AWS": not_principal})
        grant = statement(Principal="*")
        return allowed(resource=bucket_policy(deny, grant))

    assert spared([ROLE, ROOT])
    assert not spared([ROLE])
    assert not spared([USER, ROOT])


# -- Condition operators ("IAM JSON policy elements: Condition operators") -------------------------

TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:demo-topic"


@pytest.mark.parametrize(
    "condition, context, expected",
    [
        ({"StringEquals": {"s3:prefix": "incoming/"}}, {"s3:prefix": "incoming/"}, True),
        ({"StringEquals": {"s3:prefix": "incoming/"}}, {"s3:prefix": "Incoming/"}, False),
        ({"StringNotEquals": {"s3:prefix": "incoming/"}}, {"s3:prefix": "tmp/"}, True),
        ({"StringEqualsIgnoreCase": {"s3:prefix": "INCOMING/"}}, {"s3:prefix": "incoming/"}, True),
        (
            {"StringNotEqualsIgnoreCase": {"s3:prefix": "INCOMING/"}},
            {"s3:prefix": "incoming/"},
            False,
        ),
        ({"StringLike": {"s3:prefix": "in*/?"}}, {"s3:prefix": "incoming/a"}, True),
        ({"StringLike": {"s3:prefix": "in*/?"}}, {"s3:prefix": "incoming/ab"}, False),
        ({"StringNotLike": {"s3:prefix": "tmp/*"}}, {"s3:prefix": "incoming/a"}, True),
        ({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": 10}, True),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, False),
        ({"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "11"}, True),
        ({"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "ten"}, False),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": True}, True),
        ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}, True),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": False}, False),
        ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.9"}, True),
        ({"IpAddress": {"aws:SourceIp": "203.0.113.1"}}, {"aws:SourceIp": "203.0.113.9"}, False),
        ({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "10.0.0.1"}, True),
        ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:db8::1"}, True),
        ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "203.0.113.9"}, False),
        ({"ArnEquals": {"aws:SourceArn": TOPIC}}, {"aws:SourceArn": TOPIC}, True),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:demo-*"}}, {"aws:SourceArn": TOPIC}, True),
        (
            {"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:demo-*"}},
            {"aws:SourceArn": TOPIC},
            False,
        ),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*"}}, {"aws:SourceArn": TOPIC}, False),
    ],
)
def test_condition_operator(condition, context, expected):
    """String, Numeric, Bool, IP address and ARN condition operators; an IP address without a
    prefix is a /32; an ARN is matched part by part, and a too-short pattern matches nothing."""
    assert holds(condition, context) is expected


def test_arn_like_matches_part_by_part_where_string_like_does_not():
    """The page's own example: StringLike matches across colons, ArnLike does not."""
    value = {
        "aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:"
        "finance/document.txt"
    }
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    assert holds({"StringLike": {"aws:SourceArn": pattern}}, value)
    assert not holds({"ArnLike": {"aws:SourceArn": pattern}}, value)


@pytest.mark.parametrize(
    "operator, wanted, now, expected",
    [
        ("DateLessThan", "2030-01-01T00:00:00Z", "2026-05-01T12:00:00Z", True),
        ("DateGreaterThan", "2030-01-01", "2026-05-01T12:00:00Z", False),
        ("DateGreaterThanEquals", "1767225600", "2026-01-01T00:00:00+00:00", True),  # epoch
        ("DateEquals", "2026-01-01T01:00:00+01:00", "2026-01-01T00:00:00Z", True),
        ("DateNotEquals", "2026-01-01T00:00:00Z", 1767225600, False),
    ],
)
def test_date_operators_compare_iso8601_and_epoch_times(operator, wanted, now, expected):
    """Date condition operators: "W3C implementations of the ISO 8601 date formats or in epoch
    (UNIX) time"."""
    assert holds({operator: {"aws:CurrentTime": wanted}}, {"aws:CurrentTime": now}) is expected


def test_several_values_are_or_and_negated_values_are_nor():
    """Per "Conditions with multiple context keys or values": values of one key are OR; a negated
    operator's values NOR."""
    accounts = {"aws:PrincipalAccount": [ACCOUNT, OTHER]}
    assert holds({"StringEquals": accounts}, {"aws:PrincipalAccount": OTHER})
    assert not holds({"StringNotEquals": accounts}, {"aws:PrincipalAccount": OTHER})
    assert holds({"StringNotEquals": accounts}, {"aws:PrincipalAccount": "111122223333"})


def test_several_keys_and_operators_are_and():
    condition = {
        "StringEquals": {"aws:PrincipalAccount": ACCOUNT, "s3:prefix": "incoming/"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    context = {
        "aws:PrincipalAccount": ACCOUNT,
        "s3:prefix": "incoming/",
        "aws:SecureTransport": True,
    }
    assert holds(condition, context)
    assert not holds(condition, {**context, "s3:prefix": "tmp/"})
    assert not holds(condition, {**context, "aws:SecureTransport": False})


@pytest.mark.parametrize(
    "operator, expected",
    [
        ("StringEquals", False),
        ("StringLike", False),
        ("ArnLike", False),
        ("NumericLessThan", False),
        ("Bool", False),
        ("StringNotEquals", True),
        ("StringNotLike", True),
        ("ArnNotLike", True),
        ("NotIpAddress", True),
        ("StringEqualsIfExists", True),
        ("ArnLikeIfExists", True),
        ("StringNotEqualsIfExists", True),
        ("ForAllValues:StringEquals", True),
        ("ForAnyValue:StringEquals", False),
        ("ForAnyValue:StringNotEquals", False),
    ],
)
def test_a_key_absent_from_the_context(operator, expected):
    """Condition operators: an absent key does not match, so the condition is false, and true
    for a negated operator; ...IfExists holds; ForAllValues holds on no values, ForAnyValue
    does not ("Single-valued vs multivalued context keys")."""
    assert holds({operator: {"aws:SourceArn": "1"}}, {}) is expected


def test_if_exists_still_checks_a_present_key():
    condition = {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*"]}}
    assert holds(condition, {"ec2:InstanceType": "t2.micro"})
    assert not holds(condition, {"ec2:InstanceType": "m5.large"})


@pytest.mark.parametrize(
    "wanted, present, expected",
    [
        ("true", {}, True),
        ("true", {"aws:TokenIssueTime": "x"}, False),
        ("false", {}, False),
        (False, {"aws:TokenIssueTime": "x"}, True),
    ],
)
def test_null_checks_whether_the_key_is_absent(wanted, present, expected):
    """Per "Condition operator to check existence of condition keys": true means absent."""
    assert holds({"Null": {"aws:TokenIssueTime": wanted}}, present) is expected


@pytest.mark.parametrize(
    "operator, tag_keys, expected",
    [
        ("ForAllValues:StringEquals", ["env", "team"], True),
        ("ForAllValues:StringEquals", ["env", "owner"], False),
        ("ForAllValues:StringEquals", [], True),  # an empty set
        ("ForAnyValue:StringEquals", ["owner", "team"], True),
        ("ForAnyValue:StringEquals", ["owner"], False),
        ("ForAnyValue:StringEquals", [], False),
        ("ForAllValues:StringNotLike", ["key1a", "key1b"], False),  # the docs' deny example
        ("ForAllValues:StringNotLike", ["key2", "key3"], True),
        ("ForAnyValue:StringNotLike", ["key1a", "key2"], True),
    ],
)
def test_set_operators_on_multivalued_keys(operator, tag_keys, expected):
    """Per "Single-valued vs multivalued context keys": ForAllValues holds when every request value
    matches a policy value (also for none), ForAnyValue when at least one does."""
    wanted = ["key1*"] if "Like" in operator else ["env", "team"]
    assert holds({operator: {"aws:TagKeys": wanted}}, {"aws:TagKeys": tag_keys}) is expected


def test_condition_key_names_are_case_insensitive():
    """Per "IAM policy elements: Variables and tags": key names are case-insensitive."""
    assert holds({"StringEquals": {"aws:sourceaccount": ACCOUNT}}, {"AWS:SourceAccount": ACCOUNT})


# -- policy variables ("IAM policy elements: Variables and tags") ---------------------------------


def test_variable_in_resource_is_substituted_from_the_context():
    home = [policy(statement(resource="arn:aws:s3:::media-in/home/${aws:username}/*"))]

    def get(username: str | None) -> AuthzRequest:
        context = {"aws:username": username} if username else {}
        return request(
            resource="arn:aws:s3:::media-in/home/alice/a", principal=USER, context=context
        )

    assert allowed(get("alice"), home)
    assert not allowed(get("bob"), home)
    assert not allowed(get(None), home)  # a variable with no value matches no resource


def test_variables_are_text_in_a_2008_policy():
    """Per "Version": in 2008-10-17 policies variables are treated as literal strings."""
    grant = policy(
        statement(resource="arn:aws:s3:::media-in/${aws:username}"), version="2008-10-17"
    )
    req = request(resource="arn:aws:s3:::media-in/${aws:username}", context={"aws:username": "x"})
    assert allowed(req, [grant])


def test_variable_in_a_condition_and_its_default():
    same_account = {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}
    context = {"aws:ResourceAccount": ACCOUNT}
    assert holds(same_account, {**context, "aws:PrincipalAccount": ACCOUNT})
    assert not holds(same_account, {**context, "aws:PrincipalAccount": OTHER})
    assert not holds(same_account, context)  # no value: StringEquals does not match...
    negated = {"StringNotEquals": same_account["StringEquals"]}
    assert holds(negated, context)  # ...and StringNotEquals does
    team = {"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team, 'company-wide'}/"}}
    assert holds(team, {"s3:prefix": "company-wide/"})
    assert holds(team, {"s3:prefix": "red/", "aws:PrincipalTag/team": "red"})


def test_special_character_variables_are_literal():
    """Per "Special characters": ${*}, ${?} and ${$} stand for the characters, not wildcards."""
    star = {"StringLike": {"s3:prefix": "a${*}b*"}}
    assert holds(star, {"s3:prefix": "a*b-anything"})
    assert not holds(star, {"s3:prefix": "axxb"})
    assert holds({"StringEquals": {"s3:prefix": "${$}{x}${?}"}}, {"s3:prefix": "${x}?"})


# -- documents and messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document, message",
    [
        ("{not json", "not JSON"),
        ({"Version": "2012-10-17"}, "with a Statement"),
        ({"Version": "2012-10-18", "Statement": []}, "unknown Version"),
        ({"Statement": []}, "non-empty list"),
        ({"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}, "Effect"),
        ({"Statement": {"Effect": "Allow", "Resource": "*"}}, "no Action"),
        ({"Statement": {"Effect": "Allow", "Action": "*", "NotAction": "s3:*"}}, "together"),
        (
            {"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEqual": {}}}},
            "unknown condition operator 'StringEqual'",
        ),
        (
            {"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"NullIfExists": {}}}},
            "unknown condition operator",
        ),
    ],
)
def test_malformed_documents_are_rejected(document, message):
    with pytest.raises(ValueError, match=message):
        Policy(document, "policy under test")


def test_statement_may_be_a_single_object_or_a_json_string():
    text = (
        '{"Version": "2012-10-17",'
        ' "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}'
    )
    assert allowed(identity=[Policy(text, "from JSON")])


def test_principal_belongs_only_in_resource_policies():
    with pytest.raises(ValueError, match="takes no Principal"):
        evaluate(request(), [policy(statement(Principal="*"))])
    with pytest.raises(ValueError, match="needs a Principal"):
        evaluate(request(), [], policy(statement()))


def test_denial_messages_in_aws_wording():
    """Per "Troubleshoot access denied error messages"."""
    req = request()
    assert denial_message(req, evaluate(req)) == (
        f"User: {SESSION} is not authorized to perform: s3:GetObject on resource: {OBJECT}"
        " because no identity-based policy allows the s3:GetObject action"
    )
    listing = request("s3:ListAllMyBuckets", "*", USER)
    deny = policy(statement("Deny", "s3:*", "*"))
    assert denial_message(listing, evaluate(listing, [deny])) == (
        f"User: {USER} is not authorized to perform: s3:ListAllMyBuckets"
        " with an explicit deny in an identity-based policy"
    )
    with pytest.raises(ValueError):
        denial_message(req, evaluate(req, [policy(statement())]))
