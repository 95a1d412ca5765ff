// The Roslyn namespaces, the toolkit and the generators' models (their record names are unique); System's come from ImplicitUsings.
global using System.Collections.Immutable;
global using Microsoft.CodeAnalysis;
global using Microsoft.CodeAnalysis.CSharp;
global using Microsoft.CodeAnalysis.CSharp.Syntax;
global using Parallax.Generator.Common;
global using Parallax.Generator.Diagnostics;
global using Parallax.Generator.Engines.Model;
global using Parallax.Generator.Jit.Model;
global using Parallax.Generator.Threads.Model;
