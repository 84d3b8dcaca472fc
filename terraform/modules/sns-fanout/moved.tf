# create_input_bucket/input_bucket_name became create_source_bucket/source_bucket_name, as in the
# other workflow modules: an existing deployment keeps its bucket (and what is in it).

moved {
  from = module.input_bucket
  to   = module.source_bucket
}
