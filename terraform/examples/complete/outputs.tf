output "kms_key_arn" {
  description = "The workflows' shared KMS key."
  value       = aws_kms_key.workflows.arn
}

output "media_convert" {
  description = "Where to upload videos and where the converted ones land."
  value = {
    state_machine_arn = module.media_convert.state_machine_arn
    upload_to         = "s3://${module.media_convert.source_bucket}/${module.media_convert.source_prefix}"
    output_to         = "s3://${module.media_convert.output_bucket}/${module.media_convert.output_prefix}"
  }
}

output "sns_fanout" {
  description = "Where to upload videos and where each rendition lands."
  value = {
    upload_to  = "s3://${module.sns_fanout.source_bucket}/${module.sns_fanout.input_prefix}"
    renditions = { for name, r in module.sns_fanout.renditions : name => "s3://${r.output_bucket}/${r.output_prefix}" }
  }
}

output "rider_photo" {
  description = "Where riders' photos are uploaded, the table of riders and the refusal topic."
  value = {
    state_machine_arn      = module.rider_photo.state_machine_arn
    upload_to              = "s3://${module.rider_photo.photo_bucket}/${module.rider_photo.upload_prefix}"
    table_name             = module.rider_photo.table_name
    notification_topic_arn = module.rider_photo.notification_topic_arn
  }
}

output "glue_medallion" {
  description = "Where the raw data goes, the lake, the catalog databases and the alert topic."
  value = {
    state_machine_arn = module.glue_medallion.state_machine_arn
    upload_raw_to     = "s3://${module.glue_medallion.source_bucket}/${module.glue_medallion.source_prefix}"
    lake_bucket       = module.glue_medallion.lake_bucket
    databases         = module.glue_medallion.database_names
    alert_topic_arn   = module.glue_medallion.alert_topic_arn
  }
}
