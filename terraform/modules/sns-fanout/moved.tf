# create_input_bucket/input_bucket_name became create_source_bucket/source_bucket_name, as in the
# other workflow modules: an existing deployment keeps its bucket (and what is in it).

moved {
  from = module.input_bucket
  to   = module.source_bucket
}

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
