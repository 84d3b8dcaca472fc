output "state_machine_arn" {
  description = "ARN of the rider-photo state machine."
  value       = module.state_machine.arn
}

output "state_machine_name" {
  description = "Name of the rider-photo state machine."
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

output "photo_bucket" {
  description = "Name of the bucket riders upload to (created or existing): <upload_prefix><userId>/<file> starts the workflow."
  value       = local.photo_bucket
}

output "photo_bucket_arn" {
  description = "ARN of the photo bucket."
  value       = local.photo_bucket_arn
}

output "upload_prefix" {
  description = "Key prefix whose uploads start the workflow."
  value       = var.upload_prefix
}

output "thumbnail_bucket" {
  description = "Name of the bucket of the thumbnails (same key as the photo, .jpg; created or existing)."
  value       = local.thumbnail_bucket
}

output "thumbnail_bucket_arn" {
  description = "ARN of the thumbnail bucket."
  value       = local.thumbnail_bucket_arn
}

output "table_name" {
  description = "DynamoDB table of riders (key userId)."
  value       = aws_dynamodb_table.riders.name
}

output "table_arn" {
  description = "ARN of the riders table."
  value       = aws_dynamodb_table.riders.arn
}

output "collection_id" {
  description = "Rekognition collection of the riders' faces (ExternalImageId = user id)."
  value       = aws_rekognition_collection.riders.collection_id
}

output "collection_arn" {
  description = "ARN of the Rekognition collection."
  value       = aws_rekognition_collection.riders.arn
}

output "notification_topic_arn" {
  description = "SNS topic receiving refusals not sent by email (null if none)."
  value       = local.topic_arn
}

output "notification_topic_name" {
  description = "Name of the refusal topic (<name>-photo-refused when created; null if none)."
  value       = var.notification_topic_arn != null ? element(split(":", var.notification_topic_arn), 5) : one(aws_sns_topic.notifications[*].name)
}

output "function_arns" {
  description = "ARNs of the workflow's functions by role."
  value = {
    start            = module.start.function_arn
    face_detection   = module.face_detection.function_arn
    face_search      = module.face_search.function_arn
    index_face       = module.index_face.function_arn
    thumbnail        = module.thumbnail.function_arn
    persist_metadata = module.persist_metadata.function_arn
    cleanup          = module.cleanup.function_arn
    notification     = module.notification.function_arn
  }
}

output "function_names" {
  description = "Names of the workflow's functions by role."
  value = {
    start            = module.start.function_name
    face_detection   = module.face_detection.function_name
    face_search      = module.face_search.function_name
    index_face       = module.index_face.function_name
    thumbnail        = module.thumbnail.function_name
    persist_metadata = module.persist_metadata.function_name
    cleanup          = module.cleanup.function_name
    notification     = module.notification.function_name
  }
}

output "function_role_arns" {
  description = "Execution role ARNs of the workflow's functions by role."
  value = {
    start            = module.start.role_arn
    face_detection   = module.face_detection.role_arn
    face_search      = module.face_search.role_arn
    index_face       = module.index_face.role_arn
    thumbnail        = module.thumbnail.role_arn
    persist_metadata = module.persist_metadata.role_arn
    cleanup          = module.cleanup.role_arn
    notification     = module.notification.role_arn
  }
}

output "function_role_names" {
  description = "Execution role names of the workflow's functions by role."
  value = {
    start            = module.start.role_name
    face_detection   = module.face_detection.role_name
    face_search      = module.face_search.role_name
    index_face       = module.index_face.role_name
    thumbnail        = module.thumbnail.role_name
    persist_metadata = module.persist_metadata.role_name
    cleanup          = module.cleanup.role_name
    notification     = module.notification.role_name
  }
}

output "log_group_name" {
  description = "Log group of the state machine."
  value       = module.state_machine.log_group_name
}

output "api_endpoint" {
  description = "Invoke URL of the HTTP API (POST {api_endpoint}/photos starts an execution); null without create_api."
  value       = var.create_api ? aws_apigatewayv2_api.this[0].api_endpoint : null
}

output "api_id" {
  description = "ID of the HTTP API; null without create_api."
  value       = var.create_api ? aws_apigatewayv2_api.this[0].id : null
}

output "api_role_arn" {
  description = "ARN of the role the HTTP API starts executions with; null without create_api."
  value       = one(aws_iam_role.api[*].arn)
}

output "api_role_name" {
  description = "Name of the role the HTTP API starts executions with; null without create_api."
  value       = one(aws_iam_role.api[*].name)
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
  description = "What starts an execution, for callers wiring uploads themselves (trigger \"none\"): the function (invoke it asynchronously), the input it takes (an S3 event notification or an EventBridge \"Object Created\" event of S3, as sent) and the event pattern of the uploads it is meant for."
  value = {
    type          = "lambda"
    arn           = module.start.function_arn
    function_name = module.start.function_name
    input         = "S3 event notification or EventBridge \"Object Created\" event, unchanged"
    event_pattern = module.trigger.event_pattern
  }
}

output "log_group_names" {
  description = "Every CloudWatch Logs group the module creates (functions, state machine, HTTP API access log): what a key policy letting CloudWatch Logs use kms_key_arn must cover."
  value = concat(
    [for f in [module.start, module.face_detection, module.face_search, module.index_face, module.thumbnail, module.persist_metadata, module.cleanup, module.notification] : f.log_group_name],
    [module.state_machine.log_group_name],
    aws_cloudwatch_log_group.api[*].name,
  )
}

output "alarm_names" {
  description = "CloudWatch alarms by what they watch (main-executions-failed, start-dead-letters, persist_metadata-errors, ...)."
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
