output "toolcheck_function" {
  value = module.toolcheck.function_name
}

output "flaky_function" {
  value = module.flaky.function_name
}

output "state_machine_arn" {
  value = aws_sfn_state_machine.retry_catch.arn
}

output "uploads_bucket" {
  value = aws_s3_bucket.uploads.id
}

output "results_bucket" {
  value = aws_s3_bucket.results.id
}
