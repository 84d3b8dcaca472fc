# Subscriptions are fed by mutations: when a workflow run ends, Step Functions sends an "Execution
# Status Change" event to the default bus, and a rule calls the publish mutation with the run's
# ARN (EventBridge User Guide, "AWS AppSync targets for rules": AWS_IAM only, public APIs only).
# Subscribers receive the fields the mutation selects, hence the full selection sets.

locals {
  rider_fields = "userId faceId photo { bucket key } thumbnail { bucket key width height } faceConfidence registeredAt executionArn"
  media_fields = "executionArn name status startDate stopDate error cause source { bucket key } video { bucket key duration width height frames hasAudio } thumbnail { bucket key }"
  publishers = {
    rider = var.publish_workflow_events ? {
      state_machine_arn = var.rider_state_machine_arn
      statuses          = ["SUCCEEDED"]
      field             = "publishRiderRegistered"
      operation         = "mutation PublishRiderRegistered($executionArn: ID!) { publishRiderRegistered(executionArn: $executionArn) { ${local.rider_fields} } }"
    } : null
    media = var.publish_workflow_events && var.media_workflow != null ? {
      state_machine_arn = var.media_workflow.state_machine_arn
      statuses          = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
      field             = "publishMediaJobFinished"
      operation         = "mutation PublishMediaJobFinished($executionArn: ID!) { publishMediaJobFinished(executionArn: $executionArn) { ${local.media_fields} } }"
    } : null
  }
  active_publishers = { for key, p in local.publishers : key => p if p != null }
}

resource "aws_cloudwatch_event_rule" "run_finished" {
  for_each    = local.active_publishers
  name        = "${var.name}-${each.key}-run-finished"
  description = "A ${each.key} run ended: ${each.value.field}"
  event_pattern = jsonencode({
    source        = ["aws.states"]
    "detail-type" = ["Step Functions Execution Status Change"]
    detail = {
      stateMachineArn = [each.value.state_machine_arn]
      status          = each.value.statuses
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "publish" {
  for_each = local.active_publishers
  rule     = aws_cloudwatch_event_rule.run_finished[each.key].name
  arn      = replace(aws_appsync_graphql_api.this.arn, ":apis/", ":endpoints/graphql-api/")
  role_arn = aws_iam_role.events[0].arn

  appsync_target {
    graphql_operation = each.value.operation
  }

  # The transformed input is the operation's variables.
  input_transformer {
    input_paths    = { executionArn = "$.detail.executionArn" }
    input_template = "{\"executionArn\": <executionArn>}"
  }
}

resource "aws_iam_role" "events" {
  count = length(local.active_publishers) > 0 ? 1 : 0
  name  = "${var.name}-publish-runs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.name}-*-run-finished" }
      }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "events" {
  count = length(aws_iam_role.events)
  name  = "publish-mutations"
  role  = aws_iam_role.events[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "CallPublishMutations"
      Effect   = "Allow"
      Action   = ["appsync:GraphQL"]
      Resource = [for p in local.active_publishers : "${aws_appsync_graphql_api.this.arn}/types/Mutation/fields/${p.field}"]
    }]
  })
}
