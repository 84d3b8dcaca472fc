# Plan-level checks of the rider-photo module with a mocked AWS provider: no credentials, no
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
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:111122223333:wildrydes-photo-refused" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:eu-west-1:111122223333:table/wildrydes-riders" }
  }
  mock_resource "aws_rekognition_collection" {
    defaults = { arn = "arn:aws:rekognition:eu-west-1:111122223333:collection/wildrydes-faces" }
  }
  mock_resource "aws_sfn_state_machine" {
    defaults = { arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:wildrydes" }
  }
}

override_resource {
  target          = module.start.aws_sqs_queue.dead_letter[0]
  override_during = plan
  values          = { arn = "arn:aws:sqs:eu-west-1:111122223333:wildrydes-start-dlq" }
}

variables {
  name          = "wildrydes"
  artifacts_dir = "../../../build" # `make package`
  upload_prefix = "uploads/"
}

# The defaults, outputs for the wiring and alarms and dashboard included.
run "defaults" {
  command = plan

  assert {
    condition = (
      module.state_machine.name == "wildrydes" &&
      module.state_machine.role_name == "wildrydes-states" &&
      aws_dynamodb_table.riders.name == "wildrydes-riders" &&
      aws_rekognition_collection.riders.collection_id == "wildrydes-faces" &&
      output.photo_bucket == "wildrydes-photos" && output.thumbnail_bucket == "wildrydes-thumbnails" &&
      aws_sns_topic.notifications[0].name == "wildrydes-photo-refused" &&
      output.function_names == {
        start            = "wildrydes-start"
        face_detection   = "wildrydes-face-detection"
        face_search      = "wildrydes-face-search"
        index_face       = "wildrydes-index-face"
        thumbnail        = "wildrydes-thumbnail"
        persist_metadata = "wildrydes-persist-metadata"
        cleanup          = "wildrydes-cleanup"
        notification     = "wildrydes-notification"
      }
    )
    error_message = "Every resource is named from the prefix."
  }
  assert {
    condition     = one(aws_dynamodb_table.riders.server_side_encryption).enabled && one(aws_dynamodb_table.riders.point_in_time_recovery).enabled
    error_message = "The riders table is encrypted and recoverable to a point in time."
  }
  assert {
    condition     = aws_sns_topic.notifications[0].kms_master_key_id == "alias/aws/sns"
    error_message = "The refusal topic is encrypted with the AWS-managed key when no key is given."
  }
  assert {
    condition     = output.log_group_name == "/aws/vendedlogs/states/wildrydes"
    error_message = "The state machine logs to its own log group (errors only, no execution data: state-machine's tests)."
  }
  assert {
    condition = jsondecode(module.state_machine.policy).Statement[0] == {
      Sid    = "InvokeWorkflowFunctions"
      Effect = "Allow"
      Action = ["lambda:InvokeFunction"]
      Resource = flatten([
        for fn in ["face-detection", "face-search", "index-face", "thumbnail", "persist-metadata", "cleanup", "notification"] : [
          "arn:aws:lambda:eu-west-1:111122223333:function:wildrydes-${fn}",
          "arn:aws:lambda:eu-west-1:111122223333:function:wildrydes-${fn}:*",
        ]
      ])
    }
    error_message = "The state machine may invoke its seven task functions (and their versions), nothing else."
  }
  assert {
    condition = [for s in jsondecode(module.state_machine.policy).Statement : s.Sid if contains(s.Resource, "*")] == ["DeliverExecutionLogs"] && alltrue([
      for a in jsondecode(module.state_machine.policy).Statement[1].Action : startswith(a, "logs:")
    ])
    error_message = "The \"*\" resource is used only for the log delivery APIs, which have no resource-level permissions."
  }
  assert {
    # The functions that HEAD the photo themselves may list the upload prefix: without it S3
    # answers a missing photo with 403, not 404 (HeadObject, Amazon S3 API Reference).
    condition = slice(jsondecode(module.face_detection.policy).Statement, 1, 4) == [
      { Sid = "ReadPhotos", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::wildrydes-photos/uploads/*"] },
      { Sid = "TellMissingPhotos", Effect = "Allow", Action = ["s3:ListBucket"], Resource = ["arn:aws:s3:::wildrydes-photos"], Condition = { StringLike = { "s3:prefix" = ["uploads/*"] } } },
      { Sid = "DetectFaces", Effect = "Allow", Action = ["rekognition:DetectFaces"], Resource = ["*"] },
    ]
    error_message = "FaceDetection reads (and may tell missing) uploads and detects faces only."
  }
  assert {
    condition = slice(jsondecode(module.face_search.policy).Statement, 1, 4) == [
      { Sid = "ReadPhotos", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::wildrydes-photos/uploads/*"] },
      { Sid = "SearchCollection", Effect = "Allow", Action = ["rekognition:SearchFacesByImage"], Resource = ["arn:aws:rekognition:eu-west-1:111122223333:collection/wildrydes-faces"] },
      { Sid = "ClaimRider", Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:UpdateItem"], Resource = ["arn:aws:dynamodb:eu-west-1:111122223333:table/wildrydes-riders"] },
    ]
    error_message = "CheckFaceDuplicate reads uploads, searches this collection and reads and claims riders in this table only."
  }
  assert {
    condition = slice(jsondecode(module.index_face.policy).Statement, 1, 4) == [
      { Sid = "ReadPhotos", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::wildrydes-photos/uploads/*"] },
      { Sid = "IndexFaces", Effect = "Allow", Action = ["rekognition:IndexFaces", "rekognition:SearchFaces", "rekognition:DeleteFaces"], Resource = ["arn:aws:rekognition:eu-west-1:111122223333:collection/wildrydes-faces"] },
      { Sid = "SettleFace", Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:UpdateItem"], Resource = ["arn:aws:dynamodb:eu-west-1:111122223333:table/wildrydes-riders"] },
    ]
    error_message = "AddFaceToIndex reads uploads, indexes, searches and removes faces of this collection and settles claims in this table only."
  }
  assert {
    condition = slice(jsondecode(module.cleanup.policy).Statement, 1, 5) == [
      { Sid = "ReadFailedPhoto", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::wildrydes-photos/uploads/*"] },
      { Sid = "RemoveFaces", Effect = "Allow", Action = ["rekognition:SearchFaces", "rekognition:SearchFacesByImage", "rekognition:DeleteFaces"], Resource = ["arn:aws:rekognition:eu-west-1:111122223333:collection/wildrydes-faces"] },
      { Sid = "RemoveThumbnails", Effect = "Allow", Action = ["s3:DeleteObject"], Resource = ["arn:aws:s3:::wildrydes-thumbnails/uploads/*"] },
      { Sid = "RemoveClaim", Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:DeleteItem"], Resource = ["arn:aws:dynamodb:eu-west-1:111122223333:table/wildrydes-riders"] },
    ]
    error_message = "RemovePartialRegistration removes faces of this collection, thumbnails under the prefix and items of this table only."
  }
  assert {
    condition = slice(jsondecode(module.thumbnail.policy).Statement, 1, 4) == [
      { Sid = "ReadPhotos", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::wildrydes-photos/uploads/*"] },
      { Sid = "TellMissingPhotos", Effect = "Allow", Action = ["s3:ListBucket"], Resource = ["arn:aws:s3:::wildrydes-photos"], Condition = { StringLike = { "s3:prefix" = ["uploads/*"] } } },
      { Sid = "WriteThumbnails", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::wildrydes-thumbnails/uploads/*"] },
    ]
    error_message = "Thumbnail reads uploads and writes thumbnails only."
  }
  assert {
    condition = slice(jsondecode(module.start.policy).Statement, 1, 5) == [
      { Sid = "SendToDeadLetterTarget", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = ["arn:aws:sqs:eu-west-1:111122223333:wildrydes-start-dlq"] },
      { Sid = "StartThisWorkflow", Effect = "Allow", Action = ["states:StartExecution"], Resource = ["arn:aws:states:eu-west-1:111122223333:stateMachine:wildrydes"] },
      { Sid = "ReadPhotoMetadata", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::wildrydes-photos/uploads/*"] },
      { Sid = "TellMissingPhotos", Effect = "Allow", Action = ["s3:ListBucket"], Resource = ["arn:aws:s3:::wildrydes-photos"], Condition = { StringLike = { "s3:prefix" = ["uploads/*"] } } },
    ]
    error_message = "The start function keeps the events it fails on in its own queue and starts this state machine only."
  }
  assert {
    # DetectFaces is the one Rekognition action without resource-level permissions.
    condition = alltrue(flatten([
      for p in [
        module.start.policy, module.face_detection.policy, module.face_search.policy, module.index_face.policy,
        module.thumbnail.policy, module.persist_metadata.policy, module.cleanup.policy, module.notification.policy,
        ] : [
        for s in jsondecode(p).Statement : !contains(s.Action, "*") && (!contains(s.Resource, "*") || s.Action == ["rekognition:DetectFaces"])
      ]
    ]))
    error_message = "No function statement grants \"*\" actions; only DetectFaces has the \"*\" resource."
  }
  assert {
    condition = jsondecode(output.start_target.event_pattern).detail.object.key == [
      for suffix in [".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG"] : { wildcard = "uploads/*${suffix}" }
    ] && module.trigger.bucket_notification == { eventbridge = true, lambda = [] } && output.trigger.rule_name == "wildrydes-uploads"
    error_message = "Only photo uploads under the upload prefix start the workflow, through the uploads rule on the photo bucket's EventBridge events."
  }
  assert {
    condition = (
      output.photo_bucket_arn == "arn:aws:s3:::wildrydes-photos" &&
      output.thumbnail_bucket_arn == "arn:aws:s3:::wildrydes-thumbnails" &&
      output.notification_topic_name == "wildrydes-photo-refused" &&
      output.state_machine_role_name == "wildrydes-states" &&
      output.start_dead_letter_queue_name == "wildrydes-start-dlq" &&
      output.function_role_names.thumbnail == "wildrydes-thumbnail-lambda" &&
      output.collection_id == "wildrydes-faces" && output.table_name == "wildrydes-riders"
    )
    error_message = "Name and ARN of every bucket, queue, topic, table, collection, role and function are outputs."
  }
  assert {
    condition     = toset(keys(output.alarm_names)) == toset(["main-executions-failed", "main-executions-timed-out", "main-executions-aborted", "start-dead-letters", "start-dead-letter-age", "trigger-dead-letters", "trigger-dead-letter-age", "start-errors", "start-throttles", "face_detection-throttles", "face_search-throttles", "index_face-errors", "index_face-throttles", "thumbnail-errors", "thumbnail-throttles", "persist_metadata-errors", "persist_metadata-throttles", "notification-errors", "notification-throttles"])
    error_message = "Executions, dead letters and functions are watched; refusals (face detection and search errors) are outcomes, not alarms."
  }
  assert {
    condition     = output.alarm_topic_arn == null && output.dashboard_name == var.name
    error_message = "A dashboard named after the workflow; no alarm topic unless asked for."
  }
}

run "ses_notifications_tracing_and_customer_managed_key" {
  command = plan

  variables {
    notification_sender_email = "photos@example.com"
    tracing_enabled           = true
    kms_key_arn               = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  }

  assert {
    condition = contains(jsondecode(module.notification.policy).Statement, {
      Sid       = "EmailRiders"
      Effect    = "Allow"
      Action    = ["ses:SendEmail"]
      Resource  = ["arn:aws:ses:eu-west-1:111122223333:identity/*"]
      Condition = { StringEquals = { "ses:FromAddress" = ["photos@example.com"] } }
    })
    error_message = "Refusal emails may be sent from the configured sender only."
  }
  assert {
    condition = (
      one(aws_dynamodb_table.riders.server_side_encryption).kms_key_arn == var.kms_key_arn &&
      aws_sns_topic.notifications[0].kms_master_key_id == var.kms_key_arn
    )
    error_message = "The key encrypts the table and the topic."
  }
  assert {
    condition     = contains([for s in jsondecode(module.state_machine.policy).Statement : s.Sid], "WriteTraces")
    error_message = "tracing_enabled traces the state machine and lets it write traces."
  }
}

run "rejects_invalid_settings" {
  command = plan

  variables {
    name                      = "WildRydes"
    upload_prefix             = "uploads"
    user_id_source            = "header"
    face_match_threshold      = 101
    face_attribute_confidence = 40
    thumbnail_max_size        = 8
    max_photo_bytes           = 20000000
    notification_sender_email = "not-an-email"
    notification_topic_arn    = "arn:aws:sqs:eu-west-1:111122223333:q"
    retry                     = { interval_seconds = 0 }
    # existing buckets need their names and the artefacts must all be there
    create_photo_bucket     = false
    create_thumbnail_bucket = false
    artifacts_dir           = "/nonexistent"
  }

  expect_failures = [
    var.name, var.upload_prefix, var.user_id_source, var.face_match_threshold,
    var.face_attribute_confidence, var.thumbnail_max_size, var.max_photo_bytes, var.notification_sender_email,
    var.notification_topic_arn, var.retry, var.photo_bucket_name, var.thumbnail_bucket_name, var.artifacts_dir,
  ]
}

run "a_workflow_named_riders_has_no_riders_riders_table" {
  command = plan

  variables {
    name = "prod-riders"
  }

  assert {
    condition     = aws_dynamodb_table.riders.name == "prod-riders" && aws_rekognition_collection.riders.collection_id == "prod-riders-faces"
    error_message = "The table and the collection are named from name, without a doubled -riders."
  }
}

run "existing_buckets" {
  command = plan

  variables {
    create_photo_bucket     = false
    photo_bucket_name       = "rides-uploads"
    create_thumbnail_bucket = false
    thumbnail_bucket_name   = "rides-public"
  }

  # An existing bucket is read at plan (the local AWS e2e shows a wrong name failing there).
  override_data {
    target = data.aws_s3_bucket.photo[0]
    values = { id = "rides-uploads", arn = "arn:aws:s3:::rides-uploads" }
  }
  override_data {
    target = data.aws_s3_bucket.thumbnail[0]
    values = { id = "rides-public", arn = "arn:aws:s3:::rides-public" }
  }

  assert {
    condition = (
      length(module.photo_bucket) == 0 && length(module.thumbnail_bucket) == 0 &&
      output.photo_bucket == "rides-uploads" && output.photo_bucket_arn == "arn:aws:s3:::rides-uploads" &&
      output.thumbnail_bucket == "rides-public" && output.thumbnail_bucket_arn == "arn:aws:s3:::rides-public"
    )
    error_message = "Existing buckets are used, not created, and named in the outputs."
  }
  assert {
    condition = slice(jsondecode(module.thumbnail.policy).Statement, 1, 4) == [
      { Sid = "ReadPhotos", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::rides-uploads/uploads/*"] },
      { Sid = "TellMissingPhotos", Effect = "Allow", Action = ["s3:ListBucket"], Resource = ["arn:aws:s3:::rides-uploads"], Condition = { StringLike = { "s3:prefix" = ["uploads/*"] } } },
      { Sid = "WriteThumbnails", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::rides-public/uploads/*"] },
    ]
    error_message = "The functions read photos from and write thumbnails to the existing buckets."
  }
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

run "s3_notification_keeps_the_former_wiring" {
  command = plan

  variables {
    trigger = "s3_notification"
  }

  assert {
    condition = module.trigger.bucket_notification == {
      eventbridge = false
      lambda      = [for suffix in sort([".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG"]) : ["uploads/", suffix]]
    } && output.trigger.rule_name == null
    error_message = "trigger s3_notification invokes the start function from the photo bucket's notification configuration, as before."
  }
}
