output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function (unqualified: invokes $LATEST); known at plan time."
  value       = local.function_arn
}

output "invoke_arn" {
  description = "ARN API Gateway uses to invoke the function."
  value       = aws_lambda_function.this.invoke_arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = aws_iam_role.this.name
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "policy" {
  description = "The role's inline policy document (JSON), for review and plan-level tests of callers."
  value       = aws_iam_role_policy.this.policy
}

output "dead_letter_queue_arn" {
  description = "ARN of the queue created by create_dead_letter_queue (null without it)."
  value       = one(aws_sqs_queue.dead_letter[*].arn)
}

output "dead_letter_queue_name" {
  description = "Name of the queue created by create_dead_letter_queue, <function_name>-dlq (null without it)."
  value       = one(aws_sqs_queue.dead_letter[*].name)
}

output "dead_letter_queue_url" {
  description = "URL of the queue created by create_dead_letter_queue, to read or redrive failed events (null without it)."
  value       = one(aws_sqs_queue.dead_letter[*].url)
}
