"""S3 bucket policies evaluated as AWS does for the conditions our modules use.

moto denies a request whenever a statement's Condition does not hold — even for a Deny
statement, whose unmet condition means it does not apply — knows no `Bool` operator and no
request context, so the usual TLS-only policy (Deny when aws:SecureTransport is false) denied
every object request.
"""

from __future__ import annotations

# The local endpoint stands in for AWS's HTTPS endpoints: requests count as secure transport.
REQUEST_CONTEXT = {"aws:SecureTransport": "true"}


def bool_equals(expected, actual: str) -> bool:
    expected = expected if isinstance(expected, list) else [expected]
    return actual.lower() in [str(value).lower() for value in expected]


def install() -> None:
    from moto.iam import policy_conditions
    from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, PermissionResult
    from moto.s3.models import FakeBucket

    # moto evaluates only StringEquals and takes any other operator as met.
    policy_conditions.CONDITION_OPERATIONS.setdefault("Bool", bool_equals)

    original = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(
        self, action, resource="*", principal=None, incoming_condition_values=None
    ):
        if self._statement.get("Condition") and not self._check_conditions(
            incoming_condition_values
        ):
            return PermissionResult.NEUTRAL  # a statement whose condition fails does not apply
        return original(self, action, resource, principal, incoming_condition_values)

    def get_permission(self, action, resource):
        if self.policy is None:
            return PermissionResult.NEUTRAL
        return IAMPolicy(self.policy.decode()).is_action_permitted(
            action, resource, incoming_condition_values=REQUEST_CONTEXT
        )

    IAMPolicyStatement.is_action_permitted = is_action_permitted
    FakeBucket.get_permission = get_permission
