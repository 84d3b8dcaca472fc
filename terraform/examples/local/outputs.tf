output "media_convert" {
  description = "Buckets, prefixes and the state machine of the media-convert workflow."
  value = {
    state_machine_arn = module.media_convert.state_machine_arn
    source_bucket     = module.media_convert.source_bucket
    source_prefix     = module.media_convert.source_prefix
    output_bucket     = module.media_convert.output_bucket
    output_prefix     = module.media_convert.output_prefix
    # scripts/load_suite.py counts the events the start function dead-lettered
    start_dead_letter_queue_url = module.media_convert.start_dead_letter_queue_url
  }
}

output "sns_fanout" {
  description = "Source bucket, publisher and per-rendition outputs of the sns-fanout workflow."
  value = {
    source_bucket                   = module.sns_fanout.source_bucket
    input_prefix                    = module.sns_fanout.input_prefix
    publisher_function_name         = module.sns_fanout.publisher_function_name
    publisher_dead_letter_queue_url = module.sns_fanout.publisher_dead_letter_queue_url
    renditions = {
      for name, r in module.sns_fanout.renditions : name => {
        output_bucket   = r.output_bucket
        output_prefix   = r.output_prefix
        queue_url       = r.queue_url
        dead_letter_url = r.dead_letter_url
        function_name   = r.function_name
      }
    }
  }
}

output "rider_photo" {
  description = "Buckets, table and state machine of the rider-photo workflow."
  value = {
    state_machine_arn = module.rider_photo.state_machine_arn
    photo_bucket      = module.rider_photo.photo_bucket
    upload_prefix     = module.rider_photo.upload_prefix
    thumbnail_bucket  = module.rider_photo.thumbnail_bucket
    table_name        = module.rider_photo.table_name
    # scripts/load_suite.py subscribes to the refusals and checks the registered faces
    notification_topic_arn = module.rider_photo.notification_topic_arn
    collection_id          = module.rider_photo.collection_id
  }
}

output "glue_medallion" {
  description = "Buckets, catalog databases and the state machine of the glue-medallion workflow."
  value = {
    state_machine_arn = module.glue_medallion.state_machine_arn
    source_bucket     = module.glue_medallion.source_bucket
    source_prefix     = module.glue_medallion.source_prefix
    lake_bucket       = module.glue_medallion.lake_bucket
    database_names    = module.glue_medallion.database_names
    tables            = module.glue_medallion.tables
  }
}

output "graphql_api" {
  description = "The GraphQL API's endpoints and API key."
  value = {
    graphql_url  = module.graphql_api.graphql_url
    realtime_url = module.graphql_api.realtime_url
    api_key      = module.graphql_api.api_key
  }
  sensitive = true # the API key
}
