# Alarms and a dashboard (../workflow-monitoring): failed, timed-out and aborted executions,
# the start function's dead letters, the functions' errors and throttles. Face detection and
# face search fail by design on a refused photo (the state machine catches it): no Errors alarm
# for them. README "Operations" says what each means and how to replay the work.

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
  functions = {
    start            = { name = module.start.function_name }
    face_detection   = { name = module.face_detection.function_name, alarm_on_errors = false }
    face_search      = { name = module.face_search.function_name, alarm_on_errors = false }
    index_face       = { name = module.index_face.function_name }
    thumbnail        = { name = module.thumbnail.function_name }
    persist_metadata = { name = module.persist_metadata.function_name }
    notification     = { name = module.notification.function_name }
  }
  custom_metrics = [
    { name = "PhotosRefused", dimensions = { service = "photo_notification", function = module.notification.function_name }, split_by = "reason" },
    { name = "RidersRegistered", dimensions = { service = "photo_persist_metadata", function = module.persist_metadata.function_name } },
  ]
  tags = var.tags
}
