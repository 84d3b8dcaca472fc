# Alarms and a dashboard (../workflow-monitoring): failed, timed-out and aborted executions,
# the start function's dead letters, every function's errors and throttles. README
# "Operations" says what each means and how to replay the work.

module "monitoring" {
  source             = "../workflow-monitoring"
  name               = var.name
  alarms_enabled     = var.alarms_enabled
  dashboard_enabled  = var.dashboard_enabled
  alarm_actions      = var.alarm_actions
  create_topic       = var.create_alarm_topic
  kms_key_arn        = var.kms_key_arn
  state_machine_arns = { main = module.state_machine.arn }
  dead_letter_queue_names = merge(
    { start = module.start.dead_letter_queue_name },
    var.trigger == "eventbridge" ? { trigger = module.trigger.dead_letter_queue_name } : {},
  )
  functions = { for role, fn in {
    start   = module.start.function_name
    split   = module.split.function_name
    encode  = one(module.encode[*].function_name)
    prepare = one(module.prepare[*].function_name)
    merge   = module.merge.function_name
    cleanup = module.cleanup.function_name
  } : role => { name = fn } if fn != null }
  custom_metrics = [
    { name = "SecondsEncoded", dimensions = { service = "media_merge", function = module.merge.function_name } },
    { name = "PartsPerJob", dimensions = { service = "media_split", function = module.split.function_name }, stat = "Average" },
  ]
  tags = var.tags
}
