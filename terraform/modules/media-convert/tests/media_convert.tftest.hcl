# Plan-level checks of the media-convert module with a mocked AWS provider: no credentials, no
# endpoint. ARNs the policies are built from are mocked at plan time, each as AWS would name it;
# bucket and function ARNs are built from their names by the module (known at plan).
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
  # Only the functions' own-log statements use it; their exact ARNs are lambda-function's tests.
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:mocked" }
  }
  mock_resource "aws_sfn_state_machine" {
    defaults = { arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:catalog-media" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111122223333:role/catalog-media-mediaconvert" }
  }
}

override_resource {
  target          = module.start.aws_sqs_queue.dead_letter[0]
  override_during = plan
  values          = { arn = "arn:aws:sqs:eu-west-1:111122223333:catalog-media-start-dlq" }
}

variables {
  name          = "catalog-media"
  artifacts_dir = "../../../build" # `make package`
}

# The defaults: ffmpeg backend naming and grants, outputs for the wiring, inline Map, alarms and
# dashboard, uploads through EventBridge.
run "defaults" {
  command = plan

  assert {
    condition = (
      module.state_machine.name == "catalog-media" &&
      module.state_machine.role_name == "catalog-media-states" &&
      output.source_bucket == "catalog-media-source" && output.output_bucket == "catalog-media-output" &&
      output.work_bucket == "catalog-media-work" &&
      module.start.function_name == "catalog-media-start" && module.split.function_name == "catalog-media-split" &&
      module.encode[0].function_name == "catalog-media-encode" && module.merge.function_name == "catalog-media-merge" &&
      module.cleanup.function_name == "catalog-media-cleanup" && length(module.prepare) == 0
    )
    error_message = "Every resource is named from the prefix; the ffmpeg backend has no MediaConvert parts."
  }
  assert {
    condition     = output.log_group_name == "/aws/vendedlogs/states/catalog-media"
    error_message = "The state machine logs to its own log group (retention and contents: state-machine's tests)."
  }
  assert {
    condition = jsondecode(module.state_machine.policy).Statement[0] == {
      Sid    = "InvokeWorkflowFunctions"
      Effect = "Allow"
      Action = ["lambda:InvokeFunction"]
      Resource = flatten([
        for fn in ["split", "merge", "cleanup", "encode"] : [
          "arn:aws:lambda:eu-west-1:111122223333:function:catalog-media-${fn}",
          "arn:aws:lambda:eu-west-1:111122223333:function:catalog-media-${fn}:*",
        ]
      ])
    }
    error_message = "The state machine may invoke its task functions (and their versions), nothing else."
  }
  assert {
    condition = [for s in jsondecode(module.state_machine.policy).Statement : s.Sid] == ["InvokeWorkflowFunctions", "DeliverExecutionLogs"] && alltrue([
      for a in jsondecode(module.state_machine.policy).Statement[1].Action : startswith(a, "logs:")
    ])
    error_message = "Besides invoking, the role only delivers logs (the APIs without resource-level permissions)."
  }
  assert {
    condition = slice(jsondecode(module.split.policy).Statement, 1, 3) == [
      { Sid = "ReadUploads", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::catalog-media-source/incoming/*"] },
      { Sid = "WriteParts", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::catalog-media-work/jobs/*"] },
    ]
    error_message = "Split reads uploads and writes parts under the work prefix only."
  }
  assert {
    condition = contains(jsondecode(module.merge.policy).Statement, {
      Sid       = "ListJobFiles"
      Effect    = "Allow"
      Action    = ["s3:ListBucket"]
      Resource  = ["arn:aws:s3:::catalog-media-work"]
      Condition = { StringLike = { "s3:prefix" = ["jobs/*"] } }
    })
    error_message = "Listing the work bucket is limited to the job prefix."
  }
  assert {
    condition = alltrue(flatten([
      for p in [module.start.policy, module.split.policy, module.encode[0].policy, module.merge.policy, module.cleanup.policy] : [
        for s in jsondecode(p).Statement : !contains(s.Action, "*") && !contains(s.Resource, "*")
      ]
    ]))
    error_message = "No function statement grants \"*\" actions or the \"*\" resource."
  }
  assert {
    condition = (
      output.source_bucket_arn == "arn:aws:s3:::catalog-media-source" &&
      output.output_bucket_arn == "arn:aws:s3:::catalog-media-output" &&
      output.work_bucket_arn == "arn:aws:s3:::catalog-media-work" &&
      output.state_machine_role_name == "catalog-media-states" &&
      output.start_dead_letter_queue_name == "catalog-media-start-dlq" &&
      output.function_role_names.split == "catalog-media-split-lambda" &&
      output.function_arns.split == "arn:aws:lambda:eu-west-1:111122223333:function:catalog-media-split"
    )
    error_message = "Name and ARN of every bucket, queue, role and function are outputs."
  }
  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.Map.ItemProcessor.ProcessorConfig == { Mode = "INLINE" } &&
      !can(jsondecode(module.state_machine.definition).States.Map.Label) &&
      length([for s in jsondecode(module.state_machine.policy).Statement : s if startswith(s.Sid, "StartPart") || startswith(s.Sid, "ManagePart")]) == 0
    )
    error_message = "An inline Map needs no child executions, so no states: grants."
  }
  assert {
    condition     = toset(keys(output.alarm_names)) == toset(["main-executions-failed", "main-executions-timed-out", "main-executions-aborted", "start-dead-letters", "start-dead-letter-age", "trigger-dead-letters", "trigger-dead-letter-age", "start-errors", "start-throttles", "split-errors", "split-throttles", "encode-errors", "encode-throttles", "merge-errors", "merge-throttles", "cleanup-errors", "cleanup-throttles"])
    error_message = "Executions, the start function's and the upload rule's dead letters and every function of the ffmpeg backend are watched."
  }
  assert {
    condition     = output.alarm_topic_arn == null && output.dashboard_name == var.name
    error_message = "A dashboard named after the workflow; no alarm topic unless asked for."
  }
  assert {
    condition = (
      module.trigger.bucket_notification == { eventbridge = true, lambda = [] } &&
      output.trigger.rule_name == "catalog-media-uploads" &&
      jsondecode(output.start_target.event_pattern).detail == {
        bucket = { name = ["catalog-media-source"] }
        object = { key = [for s in [".mp4", ".mov", ".m4v", ".mkv"] : { wildcard = "incoming/*${s}" }] }
      } &&
      output.trigger.mode == "eventbridge" && output.start_target.function_name == "catalog-media-start"
    )
    error_message = "The module's own source bucket sends its events to EventBridge, and the uploads rule invokes the start function."
  }
}

run "mediaconvert_backend" {
  command = plan

  variables {
    transcoder = "mediaconvert"
  }

  assert {
    condition     = length(module.encode) == 0 && module.prepare[0].function_name == "catalog-media-prepare-job" && aws_iam_role.mediaconvert[0].name == "catalog-media-mediaconvert"
    error_message = "The MediaConvert backend prepares jobs instead of encoding in Lambda, with its own job role."
  }
  assert {
    condition = jsondecode(aws_iam_role.mediaconvert[0].assume_role_policy).Statement[0].Condition == {
      StringEquals = { "aws:SourceAccount" = "111122223333" }
    }
    error_message = "Only MediaConvert in this account may assume the job role."
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.mediaconvert[0].policy).Statement == [
      { Sid = "ReadParts", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::catalog-media-work/jobs/*/parts/*"] },
      {
        Sid      = "WriteEncodedPartsAndFrameCaptures"
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = ["arn:aws:s3:::catalog-media-work/jobs/*/encoded/*", "arn:aws:s3:::catalog-media-work/jobs/*/thumbnail/*"]
      },
    ]
    error_message = "Jobs read parts and write encoded parts and frame captures only."
  }
  assert {
    # Step Functions Developer Guide, "IAM policies for AWS Elemental MediaConvert": CreateJob,
    # GetJob and CancelJob need "Resource": "*"; the Service Authorization Reference lists
    # mediaconvert:TagResource as authorized by CreateJob (Step Functions tags each job). A
    # queue ARN or an aws:ResourceTag condition would make AWS refuse every job.
    condition = [for s in jsondecode(module.state_machine.policy).Statement : s if s.Sid == "RunMediaConvertJobs"] == [{
      Sid      = "RunMediaConvertJobs"
      Effect   = "Allow"
      Action   = ["mediaconvert:CreateJob", "mediaconvert:GetJob", "mediaconvert:CancelJob", "mediaconvert:TagResource"]
      Resource = ["*"]
    }]
    error_message = "The state machine may run MediaConvert jobs as the Step Functions docs require (Resource \"*\", no tag condition)."
  }
  assert {
    condition = [for s in jsondecode(module.state_machine.policy).Statement : s if contains(["PassTheMediaConvertRole", "ManageTheJobEventsRule"], s.Sid)] == [
      {
        Sid       = "PassTheMediaConvertRole"
        Effect    = "Allow"
        Action    = ["iam:PassRole"]
        Resource  = ["arn:aws:iam::111122223333:role/catalog-media-mediaconvert"]
        Condition = { StringEquals = { "iam:PassedToService" = ["mediaconvert.amazonaws.com"] } }
      },
      {
        Sid      = "ManageTheJobEventsRule"
        Effect   = "Allow"
        Action   = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
        Resource = ["arn:aws:events:eu-west-1:111122223333:rule/StepFunctionsGetEventsForMediaConvertJobRule"]
      },
    ]
    error_message = "The state machine passes the job role to MediaConvert only, and manages the .sync events rule only."
  }
}

run "rejects_invalid_settings" {
  command = plan

  variables {
    name                            = "Catalog_Media"
    source_suffixes                 = []
    segment_duration                = 1
    transcoder                      = "elastictranscoder"
    mediaconvert_qvbr_quality_level = 11
    output_height                   = 719
    video_crf                       = 52
    x264_preset                     = "placebo"
    map_max_concurrency             = 10001
    map_mode                        = "fanout"
    trigger                         = "sqs"
  }

  # Not max_input_bytes: its checks read transcoder, and an invalid transcoder skips them.
  expect_failures = [
    var.name, var.source_suffixes, var.segment_duration, var.transcoder,
    var.mediaconvert_qvbr_quality_level, var.output_height, var.video_crf, var.x264_preset,
    var.map_max_concurrency, var.map_mode, var.trigger,
  ]
}

run "existing_buckets" {
  command = plan

  variables {
    create_source_bucket = false
    source_bucket_name   = "studio-uploads"
    create_output_bucket = false
    output_bucket_name   = "studio-published"
  }

  # An existing bucket is read at plan (the local AWS e2e shows a wrong name failing there).
  override_data {
    target = data.aws_s3_bucket.source[0]
    values = { id = "studio-uploads", arn = "arn:aws:s3:::studio-uploads" }
  }
  override_data {
    target = data.aws_s3_bucket.output[0]
    values = { id = "studio-published", arn = "arn:aws:s3:::studio-published" }
  }

  assert {
    condition = (
      length(module.source_bucket) == 0 && length(module.output_bucket) == 0 &&
      output.source_bucket == "studio-uploads" && output.source_bucket_arn == "arn:aws:s3:::studio-uploads" &&
      output.output_bucket == "studio-published" && output.output_bucket_arn == "arn:aws:s3:::studio-published"
    )
    error_message = "Existing buckets are used, not created, and named in the outputs."
  }
  assert {
    condition = (
      jsondecode(module.split.policy).Statement[1].Resource == ["arn:aws:s3:::studio-uploads/incoming/*"] &&
      contains(jsondecode(module.merge.policy).Statement, { Sid = "PublishOutput", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::studio-published/converted/*"] })
    )
    error_message = "The functions read uploads from and publish to the existing buckets."
  }
}

# Also: a merge storage under twice the upload limit fails at plan (issue 14, below).
run "existing_buckets_need_their_names_and_artefacts_must_all_be_there" {
  command = plan

  variables {
    create_source_bucket = false
    create_output_bucket = false
    artifacts_dir        = "/nonexistent"
    function_settings    = { merge = { ephemeral_storage = 4096 } }
  }

  expect_failures = [var.source_bucket_name, var.output_bucket_name, var.artifacts_dir, var.max_input_bytes]
}

run "inline_map_runs_at_most_40_parts_at_once" {
  command = plan

  variables {
    map_max_concurrency = 41
  }

  expect_failures = [output.state_machine_arn]
}

run "distributed_map_runs_a_child_execution_per_part" {
  command = plan

  variables {
    map_mode            = "distributed"
    map_max_concurrency = 400
  }

  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.Map.ItemProcessor.ProcessorConfig == { Mode = "DISTRIBUTED", ExecutionType = "STANDARD" } &&
      jsondecode(module.state_machine.definition).States.Map.Label == "Parts" &&
      jsondecode(module.state_machine.definition).States.Map.MaxConcurrency == 400 &&
      output.map_mode == "distributed"
    )
    error_message = "A distributed Map runs each part as a STANDARD child execution, labelled Parts, 400 at once."
  }
  assert {
    # "IAM policies for using Distributed Map states": StartExecution on the state machine
    # itself, DescribeExecution and StopExecution on its child executions only.
    condition = [for s in jsondecode(module.state_machine.policy).Statement : s if contains(["StartPartExecutions", "ManagePartExecutions"], s.Sid)] == [
      {
        Sid      = "StartPartExecutions"
        Effect   = "Allow"
        Action   = ["states:StartExecution"]
        Resource = ["arn:aws:states:eu-west-1:111122223333:stateMachine:catalog-media"]
      },
      {
        Sid      = "ManagePartExecutions"
        Effect   = "Allow"
        Action   = ["states:DescribeExecution", "states:StopExecution"]
        Resource = ["arn:aws:states:eu-west-1:111122223333:execution:catalog-media/Parts:*"]
      },
    ]
    error_message = "The role starts child executions of its own state machine only, and manages those only."
  }
}

run "distributed_map_with_the_mediaconvert_backend" {
  command = plan

  variables {
    map_mode   = "distributed"
    transcoder = "mediaconvert"
  }

  assert {
    condition     = jsondecode(module.state_machine.definition).States.Map.ItemProcessor.ProcessorConfig.Mode == "DISTRIBUTED" && jsondecode(module.state_machine.definition).States.Map.ItemProcessor.StartAt == "PrepareMediaConvertJob"
    error_message = "The MediaConvert backend's iteration runs as the child executions too."
  }
}

# Also: an upload limit over a third of the split storage fails at plan (issue 14, below). The role
# does not read max_input_bytes, so its precondition is still checked.
run "mediaconvert_rejects_outputs_below_its_minimum" {
  command = plan

  variables {
    transcoder      = "mediaconvert"
    thumbnail_width = 16
    max_input_bytes = 4294967296 # the old default, 4 GiB, with the split's 10 GiB
  }

  expect_failures = [aws_iam_role.mediaconvert, var.max_input_bytes]
}

run "alarms_and_dashboard_switched_off" {
  command = plan

  variables {
    alarms_enabled    = false
    dashboard_enabled = false
  }

  assert {
    condition     = length(output.alarm_names) == 0 && output.dashboard_name == null
    error_message = "alarms_enabled and dashboard_enabled switch the alarms and the dashboard off."
  }
}

run "an_existing_bucket_keeps_its_notifications" {
  command = plan

  variables {
    create_source_bucket = false
    source_bucket_name   = "platform-media"
  }

  override_data {
    target = data.aws_s3_bucket.source[0]
    values = { id = "platform-media", arn = "arn:aws:s3:::platform-media" }
  }

  assert {
    condition = (
      module.trigger.bucket_notification == null &&
      jsondecode(output.start_target.event_pattern).detail.bucket.name == ["platform-media"]
    )
    error_message = "On an existing bucket only the rule is added: the bucket's notification configuration stays its owner's."
  }
}

run "s3_notification_keeps_the_former_wiring" {
  command = plan

  variables {
    trigger = "s3_notification"
  }

  assert {
    condition = (
      module.trigger.bucket_notification.eventbridge == false &&
      length(module.trigger.bucket_notification.lambda) == 4 &&
      output.trigger.rule_name == null &&
      !contains(keys(output.alarm_names), "trigger-dead-letters")
    )
    error_message = "trigger s3_notification invokes the start function from the bucket's notification configuration, as before."
  }
}

# Issue 14: the sizes follow the scale model (README, "Scale"). An upload limit over what the
# split's /tmp holds (a third of it) would let uploads pass the size check and always fail
# (checked with the MediaConvert minimum; a too small merge storage with the existing buckets).
run "an_encode_storage_under_twice_the_upload_limit_fails_at_plan" {
  command = plan

  variables {
    function_settings = { encode = { ephemeral_storage = 4096 } }
  }

  expect_failures = [var.max_input_bytes]
}

run "smaller_functions_with_a_limit_to_match_plan" {
  command = plan

  variables {
    max_input_bytes   = 1000000000
    function_settings = { split = { ephemeral_storage = 3000 }, encode = { ephemeral_storage = 2000 }, merge = { ephemeral_storage = 2000 } }
  }

  assert {
    condition     = jsondecode(module.state_machine.definition).States.Map.MaxConcurrency == 40
    error_message = "The Map runs 40 parts at once by default (the inline maximum)."
  }
}
