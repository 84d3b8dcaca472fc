# One operations topic for the four workflows' alarms (each module's alarm_actions): subscribe
# the on-call's email, chat or pager to it. Encrypted with the shared key, whose policy lets
# CloudWatch use it for these alarms; the topic policy lets only these alarms publish.

resource "aws_sns_topic" "operations" {
  name              = "${var.name_prefix}-operations"
  kms_master_key_id = aws_kms_key.workflows.arn
}

resource "aws_sns_topic_policy" "operations" {
  arn = aws_sns_topic.operations.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudWatchAlarmsPublish"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.operations.arn
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = local.alarm_arns }
      }
    }]
  })
}

output "operations_topic_arn" {
  description = "The topic every workflow alarm notifies (on ALARM and back to OK): subscribe to it."
  value       = aws_sns_topic.operations.arn
}
