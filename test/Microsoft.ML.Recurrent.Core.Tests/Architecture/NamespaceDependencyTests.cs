using System.Reflection;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Tests.Architecture;

/// <summary>
/// Dependencies in the core library run one way: Engine &lt;- Layers &lt;- Models &lt;- Training &lt;- AutoML, with Text
/// (over Engine only) and Serialization (over Models, Layers, Text, Engine) beside them, Generation on top and Seq2Seq (over Training, Layers, Text, Engine) beside it. The
/// compiled assembly is read by reflection, method bodies included (<see cref="TypeReferences"/>), so a call, a
/// field access or a lambda that reaches upward fails here even when no <c>using</c> names it.
/// </summary>
[TestClass]
public sealed class NamespaceDependencyTests
{
    private const string Root = "Microsoft.ML.Recurrent";

    /// <summary>What each namespace of the core library may use besides itself. The root namespace counts as Engine.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Engine"] = [],
        ["Layers"] = ["Engine"],
        ["Models"] = ["Engine", "Layers"],
        ["Training"] = ["Engine", "Layers", "Models"],
        ["AutoML"] = ["Engine", "Layers", "Models", "Training", "Text"],
        ["Text"] = ["Engine"],
        ["Serialization"] = ["Engine", "Layers", "Models", "Text"],
        ["Generation"] = ["Engine", "Layers", "Models", "Training", "Text", "Serialization"],
        ["Seq2Seq"] = ["Engine", "Layers", "Training", "Text"],
        ["Explainability"] = ["Engine", "Layers", "Models", "Text", "Serialization"],
    };

    private static Assembly Core => typeof(RecurrentLayer).Assembly;

    [TestMethod]
    public void CoreNamespaces_UseOnlyLowerLayers_NoUpwardDependency()
    {
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in Core.GetTypes())
        {
            string? from = LayerOf(type);
            if (from is null)
            {
                continue;
            }
            foreach (var (used, where) in TypeReferences.Of(type))
            {
                string? to = used.Assembly == Core ? LayerOf(used) : null;
                if (to is not null && to != from && !Allowed[from].Contains(to))
                {
                    violations.Add($"{from} -> {to}: {type.FullName}.{where} uses {used.FullName}");
                }
            }
        }
        Assert.AreEqual(0, violations.Count, "Upward dependencies:\n" + string.Join("\n", violations.Take(40)));
    }

    [TestMethod]
    public void CoreNamespaces_EveryNamespace_HasAPlaceInTheLayering()
    {
        var unknown = Core.GetTypes()
            .Select(t => t.Namespace)
            .Where(ns => ns is not null && (ns == Root || ns.StartsWith(Root + ".", StringComparison.Ordinal)))
            .Select(ns => ns == Root ? "Engine" : ns![(Root.Length + 1)..].Split('.')[0])
            .Where(layer => !Allowed.ContainsKey(layer))
            .Distinct()
            .ToList();
        Assert.AreEqual(0, unknown.Count, "Namespaces without a place in the layering: " + string.Join(", ", unknown));
    }

    [TestMethod]
    public void TypeReferences_MethodBodies_FindCallsThatNoSignatureShows()
    {
        // No signature or field of SequenceModel names CrossEntropyLoss; only the IL of its loss computation calls it.
        var used = TypeReferences.Of(typeof(SequenceModel)).Select(r => r.Used).ToHashSet();
        Assert.IsTrue(used.Contains(typeof(CrossEntropyLoss)), "a static call in a method body");
        Assert.IsTrue(TypeReferences.Of(typeof(SequenceTrainer)).Any(r => r.Used == typeof(SequenceModel)), "a field or call");
    }

    private static string? LayerOf(Type type)
    {
        string? ns = type.Namespace;
        if (ns == Root)
        {
            return "Engine";
        }
        return ns is not null && ns.StartsWith(Root + ".", StringComparison.Ordinal) ? ns[(Root.Length + 1)..].Split('.')[0] : null;
    }
}
