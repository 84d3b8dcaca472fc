output "api_id" {
  description = "The GraphQL API's id."
  value       = aws_appsync_graphql_api.this.id
}

output "api_arn" {
  description = "The GraphQL API's ARN (appsync:GraphQL grants name its fields: <arn>/types/<type>/fields/<field>)."
  value       = aws_appsync_graphql_api.this.arn
}

output "graphql_url" {
  description = "The endpoint GraphQL requests are POSTed to."
  value       = aws_appsync_graphql_api.this.uris["GRAPHQL"]
}

output "realtime_url" {
  description = "The real-time WebSocket endpoint of the subscriptions."
  value       = aws_appsync_graphql_api.this.uris["REALTIME"]
}

output "authentication_types" {
  description = "The default authorization mode, then the additional ones."
  value       = local.modes
}

output "api_key" {
  description = "The API key (null without API_KEY)."
  value       = one(aws_appsync_api_key.this[*].key)
  sensitive   = true
}

# Not the key's own attribute: the provider leaves it null after creating a key without one, and
# a later refresh fills it in, so the first plan after every apply would show the output change.
output "api_key_expires" {
  description = "When the API key expires, as set in api_key_expires (RFC 3339); null without API_KEY or for AppSync's default (7 days after creation, rounded down to the hour)."
  value       = contains(local.modes, "API_KEY") ? var.api_key_expires : null
}

output "user_pool_id" {
  description = "The Cognito user pool of the AMAZON_COGNITO_USER_POOLS mode (null without it)."
  value       = contains(local.modes, "AMAZON_COGNITO_USER_POOLS") ? local.user_pool_id : null
}

output "user_pool_client_id" {
  description = "The created user pool's app client (null unless create_user_pool)."
  value       = one(aws_cognito_user_pool_client.this[*].id)
}

output "resolver_function_name" {
  description = "The resolver function."
  value       = module.resolver.function_name
}

output "data_source_role_arn" {
  description = "The role AppSync invokes the resolver function with."
  value       = aws_iam_role.data_source.arn
}

output "log_group_names" {
  description = "The API's and the resolver function's log groups."
  value = {
    api      = aws_cloudwatch_log_group.api.name
    resolver = module.resolver.log_group_name
  }
}

output "event_rule_names" {
  description = "The EventBridge rules that publish finished runs, by workflow (rider, media)."
  value       = { for key, rule in aws_cloudwatch_event_rule.run_finished : key => rule.name }
}
