using System.Reflection;
using System.Text;

namespace Microsoft.ML.Recurrent.TestSupport;

/// <summary>
/// Dumps an assembly's public API by reflection (one line per type and member, sorted) and compares it with an
/// approved file, so that API changes are visible in review. Shared by the core and the plugin test projects.
/// </summary>
internal static class PublicApiDescriber
{
    /// <summary>
    /// Fails, listing what was added and removed, when the API of <paramref name="assembly"/> differs from
    /// the approved file of that name in the test output's TestData; writes the actual API to a .received.txt beside it.
    /// </summary>
    public static void AssertMatchesApproved(Assembly assembly, string approvedInRepository)
    {
        string actual = Describe(assembly);
        string approvedPath = Path.Combine(AppContext.BaseDirectory, "TestData", Path.GetFileName(approvedInRepository));
        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : "";
        if (actual != approved)
        {
            string received = Path.Combine(AppContext.BaseDirectory, Path.GetFileName(approvedInRepository).Replace(".approved.", ".received.", StringComparison.Ordinal));
            File.WriteAllText(received, actual);
            var approvedLines = approved.Split('\n').ToHashSet(StringComparer.Ordinal);
            var actualLines = actual.Split('\n').ToHashSet(StringComparer.Ordinal);
            string added = string.Join("\n", actualLines.Except(approvedLines).Take(20).Select(l => "+ " + l));
            string removed = string.Join("\n", approvedLines.Except(actualLines).Take(20).Select(l => "- " + l));
            Assert.Fail($"The public API changed. Review, then copy {received} to {approvedInRepository}.\n{added}\n{removed}");
        }
    }

    public static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            string kind = type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : "class";
            string baseType = type.BaseType is { } b && b != typeof(object) && b != typeof(Enum) && b != typeof(ValueType) ? " : " + Name(b) : "";
            lines.Add($"{kind} {Name(type)}{baseType}");
            if (type.IsEnum)
            {
                foreach (string name in Enum.GetNames(type))
                {
                    lines.Add($"  {name} = {Convert.ToInt64(Enum.Parse(type, name), System.Globalization.CultureInfo.InvariantCulture)}");
                }
                continue;
            }
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = new List<string>();
            foreach (var c in type.GetConstructors(flags))
            {
                members.Add($"  ctor({Parameters(c)})");
            }
            foreach (var m in type.GetMethods(flags).Where(m => !m.IsSpecialName))
            {
                members.Add($"  {(m.IsStatic ? "static " : "")}{Name(m.ReturnType)} {m.Name}({Parameters(m)})");
            }
            foreach (var p in type.GetProperties(flags))
            {
                string accessors = (p.GetMethod?.IsPublic == true ? " get;" : "") + (p.SetMethod?.IsPublic == true ? (IsInitOnly(p.SetMethod) ? " init;" : " set;") : "");
                members.Add($"  {Name(p.PropertyType)} {p.Name} {{{accessors} }}");
            }
            foreach (var f in type.GetFields(flags))
            {
                members.Add($"  {(f.IsStatic ? "static " : "")}{(f.IsLiteral ? "const " : "")}{Name(f.FieldType)} {f.Name}");
            }
            lines.AddRange(members.Order(StringComparer.Ordinal));
        }
        var sb = new StringBuilder();
        foreach (string line in lines)
        {
            sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.FullName == "System.Runtime.CompilerServices.IsExternalInit");

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return "ref " + Name(type.GetElementType()!);
        }
        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }
        if (type.IsGenericType)
        {
            string name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
            return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
        }
        return type.IsGenericParameter ? type.Name : type.Namespace == "System" ? type.Name : type.FullName ?? type.Name;
    }
}
