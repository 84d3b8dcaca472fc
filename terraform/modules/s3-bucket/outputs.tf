# Both from the configured name, which the plan knows (and which keeps callers depending on the
# bucket): callers' policies show in the first plan instead of "(known after apply)".

output "id" {
  description = "Bucket name."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "Bucket ARN."
  value       = "arn:${data.aws_partition.current.partition}:s3:::${aws_s3_bucket.this.bucket}"
}
