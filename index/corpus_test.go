package index

import "fmt"

// corpus is ~200 realistic package ids: hand-described well-known packages plus
// families generated the way real ecosystems name them. Downloads are rough
// real-world proportions so ranking ties break sensibly.
func corpus() []pkg {
	ps := []pkg{
		{id: "Newtonsoft.Json", version: "13.0.3", tags: "json", desc: "Json.NET is a popular high-performance JSON framework for .NET", authors: "James Newton-King", downloads: 4_000_000},
		{id: "Newtonsoft.Json.Bson", version: "1.0.2", tags: "json bson", desc: "Json.NET BSON adds support for reading and writing BSON", authors: "James Newton-King", downloads: 300_000},
		{id: "Newtonsoft.Json.Schema", version: "3.0.15", tags: "json schema", desc: "Json.NET Schema validates JSON against schemas", authors: "Newtonsoft", downloads: 90_000},
		{id: "System.Text.Json", version: "8.0.4", tags: "json serialization", desc: "Provides high-performance and low-allocating types that serialize objects to JSON", authors: "Microsoft", downloads: 2_500_000},
		{id: "JsonSubTypes", version: "2.0.1", tags: "json polymorphism", desc: "Discriminated Json Subtypes Converter implementation for .NET", authors: "manuc66", downloads: 40_000},
		{id: "Json.More.Net", version: "2.0.1", tags: "json", desc: "Provides extended functionality for System.Text.Json", authors: "Greg Dennis", downloads: 30_000},
		{id: "JsonPatch.Net", version: "3.1.0", tags: "json patch", desc: "JSON Patch built on System.Text.Json", authors: "Greg Dennis", downloads: 20_000},
		{id: "Utf8Json", version: "1.3.7", tags: "json serializer", desc: "Definitely fastest and zero allocation JSON Serializer", authors: "neuecc", downloads: 25_000},
		{id: "NuGet.Versioning", version: "6.10.0", tags: "semver versioning", desc: "NuGet's implementation of Semantic Versioning", authors: "Microsoft", downloads: 500_000},
		{id: "NuGet.Protocol", version: "6.10.0", tags: "nuget protocol", desc: "NuGet's implementation for interacting with feeds", authors: "Microsoft", downloads: 400_000},
		{id: "NuGet.Frameworks", version: "6.10.0", tags: "nuget frameworks", desc: "NuGet's understanding of target frameworks", authors: "Microsoft", downloads: 450_000},
		{id: "NuGet.Packaging", version: "6.10.0", tags: "nuget packaging", desc: "NuGet's understanding of packages", authors: "Microsoft", downloads: 420_000},
		{id: "NuGet.CommandLine", version: "6.10.0", tags: "nuget cli", desc: "NuGet Command Line Interface", authors: "Microsoft", downloads: 200_000},
		{id: "Serilog", version: "4.0.0", tags: "serilog logging semantic structured", desc: "Simple .NET logging with fully-structured events", authors: "Serilog Contributors", downloads: 1_500_000},
		{id: "Serilog.AspNetCore", version: "8.0.1", tags: "serilog aspnetcore logging", desc: "Serilog support for ASP.NET Core logging", authors: "Serilog Contributors", downloads: 900_000},
		{id: "Serilog.Extensions.Logging", version: "8.0.0", tags: "serilog logging", desc: "Low-level Serilog provider for Microsoft.Extensions.Logging", authors: "Serilog Contributors", downloads: 800_000},
		{id: "Serilog.Settings.Configuration", version: "8.0.1", tags: "serilog configuration", desc: "Microsoft.Extensions.Configuration (appsettings.json) support for Serilog", authors: "Serilog Contributors", downloads: 700_000},
		{id: "Serilog.Formatting.Compact", version: "3.0.0", tags: "serilog json", desc: "A simple, compact JSON-based event format for Serilog", authors: "Serilog Contributors", downloads: 600_000},
		{id: "Serilog.Enrichers.Environment", version: "3.0.1", tags: "serilog enricher", desc: "Enrich Serilog log events with properties from System.Environment", authors: "Serilog Contributors", downloads: 300_000},
		{id: "Serilog.Enrichers.Thread", version: "4.0.0", tags: "serilog enricher", desc: "Enrich Serilog events with properties from the current thread", authors: "Serilog Contributors", downloads: 250_000},
		{id: "NLog", version: "5.3.2", tags: "logging log nlog", desc: "NLog is a logging platform for .NET with rich log routing and management capabilities", authors: "Jarek Kowalski,Kim Christensen,Julian Verdurmen", downloads: 1_000_000},
		{id: "NLog.Web.AspNetCore", version: "5.3.11", tags: "logging nlog aspnetcore", desc: "NLog target and layout renderers for ASP.NET Core", authors: "Jarek Kowalski", downloads: 400_000},
		{id: "log4net", version: "2.0.17", tags: "logging log tracing", desc: "log4net is a tool to help the programmer output log statements", authors: "The Apache Software Foundation", downloads: 700_000},
		{id: "Dapper", version: "2.1.35", tags: "orm sql micro-orm", desc: "A high performance Micro-ORM supporting SQL Server, MySQL, Sqlite", authors: "Sam Saffron,Marc Gravell,Nick Craver", downloads: 900_000},
		{id: "AutoMapper", version: "13.0.1", tags: "mapper", desc: "A convention-based object-object mapper", authors: "Jimmy Bogard", downloads: 1_000_000},
		{id: "MediatR", version: "12.3.0", tags: "mediator request response queries commands notifications", desc: "Simple, unambitious mediator implementation in .NET", authors: "Jimmy Bogard", downloads: 800_000},
		{id: "FluentValidation", version: "11.9.2", tags: "validation validator", desc: "A validation library for .NET that uses a fluent interface", authors: "Jeremy Skinner", downloads: 700_000},
		{id: "FluentAssertions", version: "6.12.0", tags: "tdd bdd testing assert", desc: "A very extensive set of extension methods for unit tests", authors: "Dennis Doomen,Jonas Nyrup", downloads: 800_000},
		{id: "Polly", version: "8.4.0", tags: "resilience retry circuit-breaker", desc: "Polly is a .NET resilience and transient-fault-handling library", authors: "Michael Wolfenden,App vNext", downloads: 900_000},
		{id: "Swashbuckle.AspNetCore", version: "6.6.2", tags: "swagger openapi aspnetcore", desc: "Swagger tools for documenting APIs built on ASP.NET Core", authors: "Swashbuckle Contributors", downloads: 1_100_000},
		{id: "xunit", version: "2.8.1", tags: "xunit testing", desc: "xUnit.net is a developer testing framework", authors: "jnewkirk,bradwilson", downloads: 1_200_000},
		{id: "xunit.runner.visualstudio", version: "2.8.1", tags: "xunit runner visualstudio testing", desc: "Visual Studio 2022+ Test Explorer runner for the xUnit.net framework", authors: "jnewkirk,bradwilson", downloads: 1_100_000},
		{id: "NUnit", version: "4.1.0", tags: "nunit testing tdd", desc: "NUnit is a unit-testing framework for all .NET languages", authors: "Charlie Poole,Rob Prouse", downloads: 700_000},
		{id: "NUnit3TestAdapter", version: "4.5.0", tags: "nunit testing adapter", desc: "NUnit 3 adapter for running tests in Visual Studio", authors: "Charlie Poole", downloads: 600_000},
		{id: "Moq", version: "4.20.70", tags: "moq mocking tdd", desc: "Moq is the most popular and friendly mocking framework for .NET", authors: "Daniel Cazzulino,kzu", downloads: 900_000},
		{id: "NSubstitute", version: "5.1.0", tags: "mocking mocks testing", desc: "NSubstitute is a friendly substitute for .NET mocking libraries", authors: "Anthony Egerton,David Tchepak", downloads: 300_000},
		{id: "SQLitePCLRaw.core", version: "2.1.8", tags: "sqlite", desc: "SQLitePCL.raw is a Portable Class Library for low-level access to SQLite", authors: "Eric Sink", downloads: 600_000},
		{id: "SQLitePCLRaw.bundle_e_sqlite3", version: "2.1.8", tags: "sqlite", desc: "This bundle is the default choice for Microsoft.Data.Sqlite", authors: "Eric Sink", downloads: 550_000},
		{id: "Microsoft.Data.Sqlite", version: "8.0.6", tags: "sqlite data ado.net", desc: "Microsoft.Data.Sqlite is a lightweight ADO.NET provider for SQLite", authors: "Microsoft", downloads: 500_000},
		{id: "Npgsql", version: "8.0.3", tags: "npgsql postgresql postgres ado.net database sql", desc: "Npgsql is the open source .NET data provider for PostgreSQL", authors: "Shay Rojansky", downloads: 600_000},
		{id: "MySqlConnector", version: "2.3.7", tags: "mysql mariadb ado.net", desc: "A truly async MySQL ADO.NET provider", authors: "Bradley Grainger", downloads: 300_000},
		{id: "StackExchange.Redis", version: "2.7.33", tags: "redis cache async", desc: "High performance Redis client", authors: "Stack Exchange, Inc.", downloads: 700_000},
		{id: "RabbitMQ.Client", version: "6.8.1", tags: "rabbitmq amqp messaging", desc: "The RabbitMQ .NET client is the official client library", authors: "VMware", downloads: 400_000},
		{id: "Grpc.Net.Client", version: "2.63.0", tags: "grpc rpc http2", desc: ".NET client for gRPC", authors: "The gRPC Authors", downloads: 500_000},
		{id: "Google.Protobuf", version: "3.27.1", tags: "protocol buffers protobuf", desc: "C# runtime library for Protocol Buffers", authors: "Google Inc.", downloads: 900_000},
		{id: "CsvHelper", version: "33.0.1", tags: "csv", desc: "A library for reading and writing CSV files", authors: "Josh Close", downloads: 500_000},
		{id: "HtmlAgilityPack", version: "1.11.61", tags: "html parser xpath", desc: "An agile HTML parser that builds a read/write DOM", authors: "ZZZ Projects", downloads: 400_000},
		{id: "BenchmarkDotNet", version: "0.13.12", tags: "benchmark benchmarking performance", desc: "Powerful .NET library for benchmarking", authors: ".NET Foundation and contributors", downloads: 200_000},
		{id: "Humanizer.Core", version: "2.14.1", tags: "humanizer strings", desc: "Humanizer core package", authors: "Mehdi Khalili", downloads: 600_000},
		{id: "YamlDotNet", version: "15.1.6", tags: "yaml parser", desc: "YamlDotNet is a .NET library for YAML", authors: "Antoine Aubry", downloads: 400_000},
		{id: "Castle.Core", version: "5.1.1", tags: "castle dynamicproxy proxy", desc: "Castle Core, including DynamicProxy and Logging Abstractions", authors: "Castle Project Contributors", downloads: 900_000},
		{id: "Autofac", version: "8.0.0", tags: "di ioc dependency injection", desc: "Autofac is an IoC container for .NET", authors: "Autofac Contributors", downloads: 500_000},
		{id: "Octopus.Client", version: "14.3.1", tags: "octopus deploy", desc: "Octopus Deploy client library for the HTTP API", authors: "Octopus Deploy", downloads: 100_000},
		{id: "dotnet-ef", version: "8.0.6", tags: "entity framework core tool", desc: "Entity Framework Core Tools for the .NET Command-Line Interface", authors: "Microsoft", downloads: 300_000, types: []string{"DotnetTool"}},
		{id: "dotnet-outdated-tool", version: "4.6.4", tags: "outdated tool", desc: "A .NET Core global tool to update project dependencies", authors: "Jerrie Pelser", downloads: 50_000, types: []string{"DotnetTool"}},
		{id: "Cake.Tool", version: "4.0.0", tags: "cake build tool", desc: "The Cake .NET Tool", authors: "Patrik Svensson", downloads: 80_000, types: []string{"DotnetTool"}},
		// Visibility cases: only a prerelease, only SemVer2, only unlisted.
		{id: "Preview.Only", version: "1.0.0-preview1", tags: "preview", desc: "Only ever shipped as a preview", downloads: 10},
		{id: "SemVer2.Only", version: "1.0.0-rc.1", tags: "semver2", desc: "Only a dotted prerelease label", downloads: 10},
		{id: "Metadata.Only", version: "1.0.0+build.5", tags: "semver2", desc: "Stable, but with build metadata", downloads: 10},
		{id: "Gone.Package", version: "1.0.0", tags: "gone", desc: "Every version unlisted", downloads: 10, unlisted: true},
	}
	families := []struct {
		prefix    string
		parts     []string
		tags      string
		authors   string
		downloads int64
	}{
		{"Microsoft.Extensions.", []string{"Logging", "Logging.Abstractions", "Logging.Console", "Logging.Debug", "DependencyInjection", "DependencyInjection.Abstractions", "Configuration", "Configuration.Json", "Configuration.Binder", "Configuration.EnvironmentVariables", "Options", "Hosting", "Http", "Caching.Memory", "Primitives", "FileProviders.Physical", "Diagnostics.HealthChecks"}, "aspnetcore", "Microsoft", 2_000_000},
		{"Serilog.Sinks.", []string{"Console", "File", "Seq", "Debug", "Async", "Elasticsearch", "MSSqlServer", "ApplicationInsights", "Http", "PeriodicBatching", "RollingFile", "Map"}, "serilog sink logging", "Serilog Contributors", 500_000},
		{"Microsoft.EntityFrameworkCore.", []string{"SqlServer", "Sqlite", "Design", "Tools", "InMemory", "Relational", "Proxies", "Abstractions"}, "entity-framework-core ef data o/rm", "Microsoft", 1_000_000},
		{"Microsoft.AspNetCore.", []string{"Mvc.Testing", "Authentication.JwtBearer", "Identity.EntityFrameworkCore", "SignalR.Client", "OpenApi", "Components.WebAssembly", "DataProtection", "TestHost"}, "aspnetcore", "Microsoft", 800_000},
		{"AWSSDK.", []string{"Core", "S3", "DynamoDBv2", "SQS", "SimpleNotificationService", "Lambda", "SecretsManager", "CloudWatchLogs", "KeyManagementService", "SecurityToken"}, "aws amazon cloud", "Amazon Web Services", 300_000},
		{"Azure.", []string{"Core", "Identity", "Storage.Blobs", "Storage.Queues", "Messaging.ServiceBus", "Security.KeyVault.Secrets", "Data.Tables", "Monitor.Query"}, "azure cloud", "Microsoft", 600_000},
		{"System.", []string{"Memory", "Buffers", "Collections.Immutable", "Reflection.Metadata", "Runtime.CompilerServices.Unsafe", "Threading.Channels", "IO.Pipelines", "Net.Http.Json", "ComponentModel.Annotations", "Data.SqlClient", "Drawing.Common", "Security.Cryptography.Pkcs", "Diagnostics.DiagnosticSource", "Reactive", "CommandLine"}, "corefx", "Microsoft", 1_500_000},
		{"OpenTelemetry.", []string{"Api", "Exporter.Console", "Exporter.OpenTelemetryProtocol", "Extensions.Hosting", "Instrumentation.AspNetCore", "Instrumentation.Http"}, "opentelemetry tracing metrics observability", "OpenTelemetry Authors", 200_000},
		{"Xamarin.", []string{"Essentials", "Forms", "AndroidX.Core", "AndroidX.AppCompat", "Google.Android.Material"}, "xamarin mobile", "Microsoft", 150_000},
		{"Akka.", []string{"Remote", "Cluster", "Persistence", "Streams", "TestKit", "Logger.Serilog"}, "akka actors", "Akka.NET Team", 50_000},
		{"MassTransit.", []string{"RabbitMQ", "Azure.ServiceBus.Core", "EntityFrameworkCore", "Abstractions", "Redis"}, "masstransit messaging", "Chris Patterson", 100_000},
		{"Hangfire.", []string{"Core", "SqlServer", "AspNetCore", "Redis.StackExchange", "Console"}, "hangfire background jobs", "Sergey Odinokov", 120_000},
		{"Acme.Internal.", []string{"Billing", "Billing.Client", "Orders", "Orders.Contracts", "Shipping", "Shipping.Api", "Identity", "Common", "Common.Testing", "Reporting", "Reporting.Pdf", "Inventory", "Inventory.Events", "Notifications", "Notifications.Email", "Notifications.Sms", "Search", "Search.Indexer", "Gateway", "Gateway.Auth"}, "internal acme", "Acme Platform Team", 500},
	}
	for _, f := range families {
		for i, p := range f.parts {
			id := f.prefix + p
			ps = append(ps, pkg{
				id:        id,
				version:   fmt.Sprintf("%d.%d.0", 1+i%5, i),
				tags:      f.tags,
				desc:      "Part of the " + f.prefix + " family: " + p + ".",
				authors:   f.authors,
				downloads: f.downloads / int64(i+1),
			})
		}
	}
	return ps
}
