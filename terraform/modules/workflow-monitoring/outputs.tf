output "alarm_names" {
  description = "Names of the alarms, by what they watch (e.g. main-executions-failed, 720p-dead-letters)."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name }
}

output "alarm_arns" {
  description = "ARNs of the alarms, by what they watch."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.arn }
}

output "topic_arn" {
  description = "ARN of the created alarm topic (null without create_topic)."
  value       = one(aws_sns_topic.alarms[*].arn)
}

output "topic_name" {
  description = "Name of the created alarm topic, <name>-alarms (null without create_topic)."
  value       = one(aws_sns_topic.alarms[*].name)
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard (null when disabled)."
  value       = one(aws_cloudwatch_dashboard.this[*].dashboard_name)
}
