# The state machine, its role and log group moved into the shared state-machine module: existing
# deployments keep them (and their execution history) instead of replacing them.

moved {
  from = aws_sfn_state_machine.this
  to   = module.state_machine.aws_sfn_state_machine.this
}

moved {
  from = aws_iam_role.state_machine
  to   = module.state_machine.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.state_machine
  to   = module.state_machine.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.state_machine
  to   = module.state_machine.aws_cloudwatch_log_group.this
}

# The trigger moved into the shared s3-trigger module: with trigger = "s3_notification" existing
# deployments keep their notification and permission; with "eventbridge" the notification is
# updated in place (EventBridge on, the function's entries gone).
moved {
  from = aws_s3_bucket_notification.source
  to   = module.trigger.aws_s3_bucket_notification.this[0]
}

moved {
  from = aws_lambda_permission.source_bucket
  to   = module.trigger.aws_lambda_permission.s3[0]
}
