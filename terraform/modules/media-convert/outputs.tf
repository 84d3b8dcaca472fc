output "state_machine_arn" {
  description = "ARN of the media-convert state machine."
  value       = module.state_machine.arn

  precondition {
    # Step Functions quotas: an inline Map runs at most 40 iterations at once.
    condition     = var.map_mode == "distributed" || var.map_max_concurrency <= 40
    error_message = "map_max_concurrency over 40 needs map_mode = \"distributed\" (an inline Map runs at most 40 iterations at once)."
  }
}

output "map_mode" {
  description = "How the Map runs the parts: inline or distributed (child executions)."
  value       = var.map_mode
}

output "state_machine_name" {
  description = "Name of the media-convert state machine."
  value       = module.state_machine.name
}

output "state_machine_role_arn" {
  description = "ARN of the state machine's execution role."
  value       = module.state_machine.role_arn
}

output "state_machine_role_name" {
  description = "Name of the state machine's execution role, to attach further policies to."
  value       = module.state_machine.role_name
}

output "source_bucket" {
  description = "Name of the bucket whose uploads (source_prefix + source_suffixes) start the workflow (created or existing)."
  value       = local.source_bucket
}

output "source_bucket_arn" {
  description = "ARN of the source bucket."
  value       = local.source_arn
}

output "source_prefix" {
  description = "Key prefix that starts the workflow."
  value       = var.source_prefix
}

output "output_bucket" {
  description = "Name of the bucket receiving the final MP4s and thumbnails under output_prefix (created or existing)."
  value       = local.output_bucket
}

output "output_bucket_arn" {
  description = "ARN of the output bucket."
  value       = local.output_arn
}

output "output_prefix" {
  description = "Key prefix of the outputs."
  value       = var.output_prefix
}

output "work_bucket" {
  description = "Name of the bucket of intermediate files (parts, encoded parts) and the layer zip."
  value       = module.work_bucket.id
}

output "work_bucket_arn" {
  description = "ARN of the work bucket."
  value       = module.work_bucket.arn
}

output "ffmpeg_layer_arn" {
  description = "ffmpeg layer version used by the functions."
  value       = local.layer_arn
}

output "function_arns" {
  description = "ARNs of the workflow's functions by role: start, split, encode (ffmpeg backend), prepare (mediaconvert backend), merge, cleanup; null for the other backend's."
  value = {
    start   = module.start.function_arn
    split   = module.split.function_arn
    encode  = one(module.encode[*].function_arn)
    prepare = one(module.prepare[*].function_arn)
    merge   = module.merge.function_arn
    cleanup = module.cleanup.function_arn
  }
}

output "function_names" {
  description = "Names of the workflow's functions by role."
  value = {
    start   = module.start.function_name
    split   = module.split.function_name
    encode  = one(module.encode[*].function_name)
    prepare = one(module.prepare[*].function_name)
    merge   = module.merge.function_name
    cleanup = module.cleanup.function_name
  }
}

output "function_role_arns" {
  description = "Execution role ARNs of the workflow's functions by role."
  value = {
    start   = module.start.role_arn
    split   = module.split.role_arn
    encode  = one(module.encode[*].role_arn)
    prepare = one(module.prepare[*].role_arn)
    merge   = module.merge.role_arn
    cleanup = module.cleanup.role_arn
  }
}

output "function_role_names" {
  description = "Execution role names of the workflow's functions by role."
  value = {
    start   = module.start.role_name
    split   = module.split.role_name
    encode  = one(module.encode[*].role_name)
    prepare = one(module.prepare[*].role_name)
    merge   = module.merge.role_name
    cleanup = module.cleanup.role_name
  }
}

output "mediaconvert_role_arn" {
  description = "ARN of the role MediaConvert jobs run with (mediaconvert backend; null otherwise)."
  value       = one(aws_iam_role.mediaconvert[*].arn)
}

output "mediaconvert_role_name" {
  description = "Name of the role MediaConvert jobs run with (mediaconvert backend; null otherwise)."
  value       = one(aws_iam_role.mediaconvert[*].name)
}

output "transcoder" {
  description = "Encoding backend of the workflow."
  value       = var.transcoder
}

output "log_group_name" {
  description = "Log group of the state machine."
  value       = module.state_machine.log_group_name
}

output "start_dead_letter_queue_url" {
  description = "SQS queue keeping the S3 events the start function still failed on after Lambda's retries (14 days): read them, fix the cause, re-upload."
  value       = module.start.dead_letter_queue_url
}

output "start_dead_letter_queue_arn" {
  description = "ARN of the start function's dead-letter queue."
  value       = module.start.dead_letter_queue_arn
}

output "start_dead_letter_queue_name" {
  description = "Name of the start function's dead-letter queue (<name>-start-dlq)."
  value       = module.start.dead_letter_queue_name
}

output "log_group_names" {
  description = "Every CloudWatch Logs group the module creates (functions, state machine): what a key policy letting CloudWatch Logs use kms_key_arn must cover."
  value = concat(
    [for f in concat([module.start, module.split, module.merge, module.cleanup], module.encode, module.prepare) : f.log_group_name],
    [module.state_machine.log_group_name],
  )
}

output "alarm_names" {
  description = "CloudWatch alarms by what they watch (main-executions-failed, start-dead-letters, split-errors, ...)."
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
  description = "What starts an execution, for callers wiring uploads themselves (trigger \"none\"): the start function (invoke it asynchronously), the input it takes (an S3 event notification or an EventBridge \"Object Created\" event of S3, as sent) and the event pattern of the uploads it is meant for."
  value = {
    type          = "lambda"
    arn           = module.start.function_arn
    function_name = module.start.function_name
    input         = "S3 event notification or EventBridge \"Object Created\" event, unchanged"
    event_pattern = module.trigger.event_pattern
  }
}
