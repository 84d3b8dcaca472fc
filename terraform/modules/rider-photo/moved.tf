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

# The photo and thumbnail buckets became optional (create_photo_bucket, create_thumbnail_bucket):
# an existing deployment keeps them and the photos in them.

moved {
  from = module.photo_bucket
  to   = module.photo_bucket[0]
}

moved {
  from = module.thumbnail_bucket
  to   = module.thumbnail_bucket[0]
}
