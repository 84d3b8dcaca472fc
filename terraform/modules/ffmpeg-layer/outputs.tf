output "layer_version_arn" {
  description = "ARN of the published layer version, for a function's `layers`."
  value       = aws_lambda_layer_version.this.arn
}

output "layer_arn" {
  description = "ARN of the layer without its version."
  value       = aws_lambda_layer_version.this.layer_arn
}

output "version" {
  description = "Version number of the published layer."
  value       = aws_lambda_layer_version.this.version
}
