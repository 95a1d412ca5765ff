namespace Parallax.Generator.Threads;

public sealed partial class ThreadGenerator
{
    /// <summary>Turns one [Thread]/[Daemon] target into a spec of plain values and its diagnostics.</summary>
    internal static class Parser
    {
        /// <summary>The members a [Thread] class gets; a class that already declares one is PAR3005.</summary>
        public static readonly string[] ClassMembers = ["Start", "Join", "JoinAsync", "IsAlive", "Name", "Ident", "IsDaemon", "Handle"];

        private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        public static ParseResult<ThreadSpec> Parse(GeneratorAttributeSyntaxContext ctx, bool daemon, CancellationToken ct)
        {
            string attribute = daemon ? "Daemon" : "Thread";
            if (HierarchyInfo.NotPartial(ctx.TargetNode, ctx.TargetSymbol.Name, attribute) is { } notPartial)
            {
                return ParseResult<ThreadSpec>.Failure(notPartial);
            }

            if (daemon && ctx.TargetSymbol.HasAttribute(KnownNames.ThreadAttribute))
            {
                return ParseResult<ThreadSpec>.Failure(DiagnosticInfo.Create(DiagnosticDescriptors.ThreadAndDaemon, Identifier(ctx.TargetNode), ctx.TargetSymbol.Name));
            }

            string? name = ThreadName(ctx.Attributes[0]);
            return ctx.TargetSymbol switch
            {
                IMethodSymbol method => ParseMethod((MethodDeclarationSyntax)ctx.TargetNode, method, attribute, daemon, name, ct),
                INamedTypeSymbol type => ParseClass((TypeDeclarationSyntax)ctx.TargetNode, type, attribute, daemon, name),
                _ => ParseResult<ThreadSpec>.Empty,
            };
        }

        private static ParseResult<ThreadSpec> ParseMethod(MethodDeclarationSyntax syntax, IMethodSymbol method, string attribute, bool daemon, string? name, CancellationToken ct)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var parameters = new List<ParameterSpec>();
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                ct.ThrowIfCancellationRequested();
                var p = method.Parameters[i];
                string? why = p.RefKind switch
                {
                    RefKind.Ref => "passed by ref",
                    RefKind.Out => "an out parameter",
                    RefKind.In => "passed by in",
                    RefKind.RefReadOnlyParameter => "passed by ref readonly",
                    _ => p.Type.IsRefLikeType ? $"of ref struct type '{p.Type.ToMessageString()}'" : null,
                };
                if (why is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ThreadParameterNotCapturable, syntax.ParameterList.Parameters[i], p.Name, method.Name, why));
                    continue;
                }

                parameters.Add(new ParameterSpec(p.Type.ToDisplayString(TypeFormat), Identifiers.Escape(p.Name), DefaultValue(p), p.IsParams));
            }

            string factory = method.Name + "Thread";
            if (!method.ContainingType.GetMembers(factory).IsEmpty)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ThreadMemberExists, syntax.Identifier.GetLocation(), method.ContainingType.Name, factory, attribute));
            }

            if (diagnostics.Count > 0)
            {
                return ParseResult<ThreadSpec>.Failure(diagnostics.ToArray());
            }

            var spec = new ThreadMethodSpec(
                HierarchyInfo.From(method.ContainingType),
                method.Name,
                factory,
                SyntaxFacts.GetText(method.DeclaredAccessibility),
                method.IsStatic,
                !method.IsStatic && method.ContainingType.IsValueType,
                method.IsGenericMethod ? "<" + string.Join(", ", method.TypeParameters.Select(t => Identifiers.Escape(t.Name))) + ">" : string.Empty,
                method.TypeParameters.Select(Constraint).Where(c => c is not null).Select(c => c!).ToEquatableArray(),
                parameters.ToEquatableArray(),
                IsAwaitable(method.ReturnType),
                daemon,
                name);
            return ParseResult<ThreadSpec>.Success(spec);
        }

        private static ParseResult<ThreadSpec> ParseClass(TypeDeclarationSyntax syntax, INamedTypeSymbol type, string attribute, bool daemon, string? name)
        {
            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return ParseResult<ThreadSpec>.Failure(DiagnosticInfo.Create(DiagnosticDescriptors.ThreadClassNotPartial, syntax.Identifier.GetLocation(), type.Name, attribute));
            }

            // The base's generated members are not in this compilation yet, so its attribute is what says
            // it has them; generating them again would hide them (CS0108) and give one object two threads.
            for (var b = type.BaseType; b is not null; b = b.BaseType)
            {
                if (b.HasAttribute(KnownNames.ThreadAttribute) || b.HasAttribute(KnownNames.DaemonAttribute))
                {
                    return ParseResult<ThreadSpec>.Failure(DiagnosticInfo.Create(
                        DiagnosticDescriptors.ThreadClassDerivesFromThreadClass,
                        syntax.Identifier.GetLocation(),
                        type.Name,
                        attribute,
                        b.Name,
                        b.HasAttribute(KnownNames.DaemonAttribute) ? "Daemon" : "Thread"));
                }
            }

            // Run may be inherited and may have any accessibility: the generated lambda is inside the class.
            IMethodSymbol? run = null;
            for (var t = type; t is not null && run is null; t = t.BaseType)
            {
                run = t.GetMembers("Run").OfType<IMethodSymbol>()
                    .FirstOrDefault(m => !m.IsStatic && m.Parameters.IsEmpty && !m.IsGenericMethod
                        && (SymbolEqualityComparer.Default.Equals(t, type) || m.DeclaredAccessibility != Accessibility.Private));
            }

            var diagnostics = new List<DiagnosticInfo>();
            if (run is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ThreadClassWithoutRun, syntax.Identifier.GetLocation(), type.Name, attribute));
            }

            foreach (var member in ClassMembers)
            {
                if (!type.GetMembers(member).IsEmpty || Inherits(type, member))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ThreadMemberExists, syntax.Identifier.GetLocation(), type.Name, member, attribute));
                }
            }

            if (diagnostics.Count > 0)
            {
                return ParseResult<ThreadSpec>.Failure(diagnostics.ToArray());
            }

            return ParseResult<ThreadSpec>.Success(new ThreadClassSpec(HierarchyInfo.From(type), IsAwaitable(run!.ReturnType), daemon, name));
        }

        // A base member the class can see would be hidden by the generated one (CS0108).
        private static bool Inherits(INamedTypeSymbol type, string member)
        {
            for (var b = type.BaseType; b is not null && b.SpecialType != SpecialType.System_Object; b = b.BaseType)
            {
                if (b.GetMembers(member).Any(m => m.DeclaredAccessibility != Accessibility.Private && !m.IsImplicitlyDeclared))
                {
                    return true;
                }
            }

            return false;
        }

        private static Location Identifier(SyntaxNode node) => node switch
        {
            MethodDeclarationSyntax m => m.Identifier.GetLocation(),
            TypeDeclarationSyntax t => t.Identifier.GetLocation(),
            _ => node.GetLocation(),
        };

        private static string? ThreadName(AttributeData attribute)
        {
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "Name")
                {
                    return named.Value.Value as string;
                }
            }

            return attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        }

        private static string? Constraint(ITypeParameterSymbol t)
        {
            var parts = new List<string>();
            if (t.HasReferenceTypeConstraint)
            {
                parts.Add(t.ReferenceTypeConstraintNullableAnnotation == NullableAnnotation.Annotated ? "class?" : "class");
            }
            else if (t.HasUnmanagedTypeConstraint)
            {
                parts.Add("unmanaged");
            }
            else if (t.HasValueTypeConstraint)
            {
                parts.Add("struct");
            }
            else if (t.HasNotNullConstraint)
            {
                parts.Add("notnull");
            }

            parts.AddRange(t.ConstraintTypes.Select(c => c.ToDisplayString(TypeFormat)));
            if (t.HasConstructorConstraint)
            {
                parts.Add("new()");
            }

            if (t.AllowsRefLikeType)
            {
                parts.Add("allows ref struct");
            }

            return parts.Count == 0 ? null : $"where {Identifiers.Escape(t.Name)} : {string.Join(", ", parts)}";
        }

        private static bool IsAwaitable(ITypeSymbol type) =>
            type is INamedTypeSymbol { Name: "Task" or "ValueTask" } named
            && named.ContainingNamespace.ToDisplayString() == "System.Threading.Tasks";

        private static string? DefaultValue(IParameterSymbol p)
        {
            if (!p.HasExplicitDefaultValue)
            {
                return null;
            }

            // The compiler stores a default converted to the parameter's type, except an enum's, which it
            // stores as its underlying number: cast that back, to the enum itself ((E?)(1) is no constant).
            object? value = p.ExplicitDefaultValue;
            var type = p.Type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : p.Type;
            return value is null ? "default"
                : type.TypeKind != TypeKind.Enum ? CSharpLiteral.Format(value)
                : $"({type.ToDisplayString(TypeFormat)})({CSharpLiteral.Format(value)})";
        }
    }
}
