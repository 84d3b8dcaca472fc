output "arn" {
  description = "ARN of the state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "name" {
  description = "Name of the state machine."
  value       = aws_sfn_state_machine.this.name
}

output "role_arn" {
  description = "ARN of the state machine's execution role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the execution role, to attach further policies to."
  value       = aws_iam_role.this.name
}

output "log_group_name" {
  description = "CloudWatch log group receiving the execution logs."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the execution log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "policy" {
  description = "The role's inline policy document (JSON), for review and plan-level tests of callers."
  value       = aws_iam_role_policy.this.policy
}

output "definition" {
  description = "The definition as deployed (compact JSON), for review and plan-level tests of callers."
  value       = aws_sfn_state_machine.this.definition
}
