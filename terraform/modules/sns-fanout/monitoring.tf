# Alarms and a dashboard (../workflow-monitoring): dead letters of every rendition and of the
# publisher, the functions' errors and throttles. README "Operations" says what each means.

module "monitoring" {
  source             = "../workflow-monitoring"
  name               = var.name
  alarms_enabled     = var.alarms_enabled
  dashboard_enabled  = var.dashboard_enabled
  alarm_actions      = var.alarm_actions
  create_topic       = var.create_alarm_topic
  kms_key_arn        = var.kms_key_arn
  state_machine_arns = { for name, m in module.parts_state_machine : "${name}-parts" => m.arn }
  dead_letter_queue_names = merge(
    { for name, queue in aws_sqs_queue.dead_letter : name => queue.name },
    { publisher = module.publisher.dead_letter_queue_name },
    var.trigger == "eventbridge" ? { trigger = module.trigger.dead_letter_queue_name } : {},
  )
  queue_names = { for name, queue in aws_sqs_queue.work : name => queue.name }
  functions = merge(
    { publisher = { name = module.publisher.function_name } },
    { for name, fn in module.transcoder : "transcode-${name}" => { name = fn.function_name } },
    { for name, fn in module.parts_encode : "parts-encode-${name}" => { name = fn.function_name } },
    {
      parts-split   = { name = module.parts_split.function_name }
      parts-merge   = { name = module.parts_merge.function_name }
      parts-cleanup = { name = module.parts_cleanup.function_name }
    },
  )
  custom_metrics = [for name, fn in module.transcoder : {
    name       = "RenditionsDelivered"
    dimensions = { service = "fanout_transcode", function = fn.function_name }
  }]
  tags = var.tags
}
