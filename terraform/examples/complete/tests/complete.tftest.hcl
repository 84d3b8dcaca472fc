# The complete example plans with a mocked AWS provider: every module wired, one prefix, the
# shared key and retention everywhere. No credentials, no endpoint.
mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
      key_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    }
  }
}

variables {
  name_prefix = "acme"
}

# The plan succeeding also shows the media workflows can share one layer in a first plan, where
# the layer's ARN is still unknown.
override_resource {
  target          = aws_sns_topic.operations
  override_during = plan
  values          = { arn = "arn:aws:sns:eu-west-1:111122223333:acme-operations" }
}

run "plans_the_four_workflows_sharing_one_ffmpeg_layer" {
  command = plan

  # Only the shared-layer check reads the layer's ARN.
  override_resource {
    target          = module.ffmpeg_layer.aws_lambda_layer_version.this
    override_during = plan
    values          = { layer_arn = "arn:aws:lambda:eu-west-1:111122223333:layer:acme-ffmpeg", version = "1" }
  }

  assert {
    condition = (
      module.media_convert.state_machine_name == "acme-media" &&
      module.rider_photo.state_machine_name == "acme-riders" &&
      module.sns_fanout.publisher_function_name == "acme-fanout-publish" &&
      module.glue_medallion.state_machine_name == "acme-retail" &&
      aws_kms_alias.workflows.name == "alias/acme-workflows" &&
      module.rider_photo.table_name == "acme-riders"
    )
    error_message = "Every workflow is named from the one prefix."
  }
  assert {
    condition     = aws_kms_key.workflows.enable_key_rotation && aws_kms_key.workflows.deletion_window_in_days == 30
    error_message = "The shared key rotates and cannot be deleted at once."
  }
  assert {
    condition = [for s in jsondecode(aws_kms_key.workflows.policy).Statement : try(s.Principal.Service, s.Principal.AWS)] == [
      "arn:aws:iam::111122223333:root", "logs.eu-west-1.amazonaws.com", "sns.amazonaws.com",
      "events.amazonaws.com", "cloudwatch.amazonaws.com",
    ]
    error_message = "Besides the account's IAM policies, only CloudWatch Logs, SNS, EventBridge (dead letters of the upload rules) and CloudWatch alarms use the key as themselves."
  }
  assert {
    condition = (
      jsondecode(aws_kms_key.workflows.policy).Statement[3].Condition.ArnLike["aws:SourceArn"] == "arn:aws:events:eu-west-1:111122223333:rule/acme-*" &&
      jsondecode(aws_kms_key.workflows.policy).Statement[4].Condition.ArnLike["aws:SourceArn"] == "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:acme-*" &&
      jsondecode(aws_sns_topic_policy.operations.policy).Statement[0].Condition.ArnLike["aws:SourceArn"] == "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:acme-*" &&
      aws_sns_topic.operations.kms_master_key_id == aws_kms_key.workflows.arn
    )
    error_message = "Only the workflows' upload rules (dead letters) and alarms use the key, and only the alarms publish to the encrypted operations topic."
  }
  assert {
    condition = jsondecode(aws_kms_key.workflows.policy).Statement[1].Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"] == [
      "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/acme-*",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/vendedlogs/states/acme-*",
      "arn:aws:logs:eu-west-1:111122223333:log-group:sns/eu-west-1/111122223333/acme-*",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/apigateway/acme-*",
      "arn:aws:logs:eu-west-1:111122223333:log-group:/aws-glue/*",
    ]
    error_message = "CloudWatch Logs may use the key for the workflows' log groups only."
  }
  assert {
    condition = (
      module.ffmpeg_layer.layer_version_arn == module.media_convert.ffmpeg_layer_arn &&
      module.ffmpeg_layer.layer_version_arn == module.sns_fanout.ffmpeg_layer_arn
    )
    error_message = "The media workflows share the one layer the root publishes; neither publishes its own."
  }
}

# CloudWatch Logs refuses to create a group with a KMS key whose policy does not let it use the
# key for that group (kms:EncryptionContext:aws:logs:arn; "Encrypt log data in CloudWatch Logs
# using AWS KMS"), so an uncovered group fails the apply. Every group each module reports must
# match one of the key policy's patterns; the optional HTTP API is on so its group is checked.
run "the_key_covers_every_log_group_the_modules_create" {
  command = plan

  variables {
    rider_photo_api = true
  }

  assert {
    condition = contains(module.rider_photo.log_group_names, "/aws/apigateway/acme-riders-api") && length(concat(
      module.media_convert.log_group_names, module.sns_fanout.log_group_names,
      module.rider_photo.log_group_names, module.glue_medallion.log_group_names,
    )) == 29 # sns-fanout: 12 with its long-source functions and state machines
    error_message = "The modules report every log group they create (the check below is not vacuous)."
  }
  assert {
    condition = alltrue([
      for name in concat(
        module.media_convert.log_group_names, module.sns_fanout.log_group_names,
        module.rider_photo.log_group_names, module.glue_medallion.log_group_names,
        ) : anytrue([
          for pattern in jsondecode(aws_kms_key.workflows.policy).Statement[1].Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"] :
          can(regex("^${replace(pattern, "*", ".*")}$", "arn:aws:logs:eu-west-1:111122223333:log-group:${name}"))
      ])
    ])
    error_message = "A module creates a log group the key policy does not let CloudWatch Logs encrypt: CreateLogGroup would be refused."
  }
}

run "rejects_a_prefix_too_long_for_bucket_names" {
  command = plan

  variables {
    name_prefix = "acme-media-platform-prod"
  }

  expect_failures = [var.name_prefix]
}
