output "mode" {
  description = "How uploads reach the function: eventbridge, s3_notification or none."
  value       = var.mode
}

output "rule_name" {
  description = "The EventBridge rule (eventbridge mode; null otherwise)."
  value       = one(aws_cloudwatch_event_rule.this[*].name)
}

output "rule_arn" {
  description = "ARN of the EventBridge rule (eventbridge mode; null otherwise)."
  value       = one(aws_cloudwatch_event_rule.this[*].arn)
}

output "event_pattern" {
  description = "The event pattern matching the bucket's uploads (prefix and suffixes), for a rule of the caller's own with mode \"none\"."
  value       = local.event_pattern
}

output "dead_letter_queue_name" {
  description = "Queue of the events the rule could not deliver (eventbridge mode; null otherwise)."
  value       = one(aws_sqs_queue.dead_letter[*].name)
}

output "dead_letter_queue_arn" {
  description = "ARN of the rule's dead-letter queue (eventbridge mode; null otherwise)."
  value       = one(aws_sqs_queue.dead_letter[*].arn)
}

output "dead_letter_queue_url" {
  description = "URL of the rule's dead-letter queue (eventbridge mode; null otherwise)."
  value       = one(aws_sqs_queue.dead_letter[*].url)
}

output "bucket_notification" {
  description = "What the module sets in the bucket's notification configuration (which it then owns whole): eventbridge on, and the function's notifications as [prefix, suffix] filters; null when it leaves the configuration to the bucket's owner."
  value = one([for n in aws_s3_bucket_notification.this : {
    eventbridge = n.eventbridge
    lambda      = [for f in n.lambda_function : [f.filter_prefix, f.filter_suffix]]
  }])
}
