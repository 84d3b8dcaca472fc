output "topic_arn" {
  description = "ARN of the fan-out SNS topic."
  value       = aws_sns_topic.this.arn
}

output "topic_name" {
  description = "Name of the fan-out SNS topic (<name>-topic)."
  value       = aws_sns_topic.this.name
}

output "delivery_status_role_arn" {
  description = "ARN of the role SNS logs the topic's delivery status with."
  value       = aws_iam_role.delivery_status.arn
}

output "delivery_status_role_name" {
  description = "Name of the role SNS logs the topic's delivery status with."
  value       = aws_iam_role.delivery_status.name
}

output "source_bucket" {
  description = "Name of the bucket whose uploads (input_prefix + input_suffixes) are transcoded (created or existing)."
  value       = local.source_bucket
}

output "source_bucket_arn" {
  description = "ARN of the source bucket."
  value       = local.source_arn
}

output "input_prefix" {
  description = "Key prefix of uploads that are transcoded."
  value       = var.input_prefix
}

output "renditions" {
  description = "Per rendition: output bucket (name, ARN) and prefix, queue and dead-letter queue (name, URL, ARN), transcoder function (name, ARN, role name and ARN), event source mapping, the parts state machine of its long sources."
  value = {
    for name in keys(var.renditions) : name => {
      output_bucket        = local.outputs[name].bucket
      output_bucket_arn    = local.output_arns[local.outputs[name].bucket]
      output_prefix        = local.outputs[name].prefix
      queue_name           = aws_sqs_queue.work[name].name
      queue_url            = aws_sqs_queue.work[name].id
      queue_arn            = aws_sqs_queue.work[name].arn
      dead_letter_name     = aws_sqs_queue.dead_letter[name].name
      dead_letter_url      = aws_sqs_queue.dead_letter[name].id
      dead_letter_arn      = aws_sqs_queue.dead_letter[name].arn
      function_name        = module.transcoder[name].function_name
      function_arn         = module.transcoder[name].function_arn
      function_role_arn    = module.transcoder[name].role_arn
      function_role_name   = module.transcoder[name].role_name
      event_source_mapping = aws_lambda_event_source_mapping.work[name].uuid
      parts_state_machine  = module.parts_state_machine[name].arn
    }
  }
}

output "work_bucket" {
  description = "Bucket of long sources' intermediate files (staged uploads, parts, merged renditions; they expire after 3 days)."
  value       = module.work_bucket.id
}

output "publisher_function_name" {
  description = "Name of the function that publishes uploads to the topic."
  value       = module.publisher.function_name
}

output "publisher_function_arn" {
  description = "ARN of the publisher function."
  value       = module.publisher.function_arn
}

output "publisher_role_arn" {
  description = "ARN of the publisher's execution role."
  value       = module.publisher.role_arn
}

output "publisher_role_name" {
  description = "Name of the publisher's execution role."
  value       = module.publisher.role_name
}

output "ffmpeg_layer_arn" {
  description = "ffmpeg layer version used by the transcoders."
  value       = local.layer_arn
}

output "publisher_dead_letter_queue_url" {
  description = "SQS queue keeping the S3 events the publisher still failed on after Lambda's retries (14 days): read them, fix the cause, re-upload."
  value       = module.publisher.dead_letter_queue_url
}

output "publisher_dead_letter_queue_arn" {
  description = "ARN of the publisher's dead-letter queue."
  value       = module.publisher.dead_letter_queue_arn
}

output "publisher_dead_letter_queue_name" {
  description = "Name of the publisher's dead-letter queue (<name>-publish-dlq)."
  value       = module.publisher.dead_letter_queue_name
}

output "trigger" {
  description = "How uploads start the workflow: mode, and with eventbridge the rule's name and ARN and its dead-letter queue (events it could not deliver)."
  value = {
    mode                   = module.trigger.mode
    rule_name              = module.trigger.rule_name
    rule_arn               = module.trigger.rule_arn
    dead_letter_queue_url  = module.trigger.dead_letter_queue_url
    dead_letter_queue_arn  = module.trigger.dead_letter_queue_arn
    dead_letter_queue_name = module.trigger.dead_letter_queue_name
  }
}

output "start_target" {
  description = "What publishes uploads to the topic, for callers wiring uploads themselves (trigger \"none\"): the function (invoke it asynchronously), the input it takes (an S3 event notification or an EventBridge \"Object Created\" event of S3, as sent) and the event pattern of the uploads it is meant for."
  value = {
    type          = "lambda"
    arn           = module.publisher.function_arn
    function_name = module.publisher.function_name
    input         = "S3 event notification or EventBridge \"Object Created\" event, unchanged"
    event_pattern = module.trigger.event_pattern
  }
}

output "log_group_names" {
  description = "Every CloudWatch Logs group the module creates (functions, SNS delivery status): what a key policy letting CloudWatch Logs use kms_key_arn must cover."
  value = concat(
    [module.publisher.log_group_name],
    [for t in module.transcoder : t.log_group_name],
    [for f in concat([module.parts_split, module.parts_merge, module.parts_cleanup], values(module.parts_encode)) : f.log_group_name],
    [for m in module.parts_state_machine : m.log_group_name],
    [for g in aws_cloudwatch_log_group.delivery_status : g.name],
  )
}

output "alarm_names" {
  description = "CloudWatch alarms by what they watch (<rendition>-dead-letters, publisher-errors, ...)."
  value       = module.monitoring.alarm_names
}

output "alarm_topic_arn" {
  description = "The alarm topic created by create_alarm_topic (null without it)."
  value       = module.monitoring.topic_arn
}

output "alarm_topic_name" {
  description = "Name of the alarm topic created by create_alarm_topic, <name>-alarms (null without it)."
  value       = module.monitoring.topic_name
}

output "dashboard_name" {
  description = "The CloudWatch dashboard (null when dashboard_enabled is false)."
  value       = module.monitoring.dashboard_name
}
