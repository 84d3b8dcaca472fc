# The trigger moved into the shared s3-trigger module: with trigger = "s3_notification" existing
# deployments keep their notification and permission; with "eventbridge" the notification is
# updated in place (EventBridge on, the function's entries gone).

moved {
  from = aws_s3_bucket_notification.input
  to   = module.trigger.aws_s3_bucket_notification.this[0]
}

moved {
  from = aws_lambda_permission.input_bucket
  to   = module.trigger.aws_lambda_permission.s3[0]
}
