using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// The defaults users read are the defaults they get: every option's documentation states its default, and that
/// default is the one a new <c>Options</c> object has; the simple catalog overloads default to the same values.
/// </summary>
[TestClass]
public sealed partial class RecurrentDefaultsTests
{
    private static readonly Type[] OptionsTypes =
    [
        typeof(RecurrentTextBinaryTrainer.Options), typeof(RecurrentTextMulticlassTrainer.Options), typeof(RecurrentSeriesRegressionTrainer.Options),
        typeof(RecurrentLanguageModelEstimator.Options), typeof(RecurrentSequenceTaggingEstimator.Options), typeof(RecurrentSequenceToSequenceEstimator.Options),
    ];

    [TestMethod]
    public void OptionsDocumentation_StatesTheDefaultEachOptionHas()
    {
        var docs = Documentation();
        var wrong = new List<string>();
        foreach (var type in OptionsTypes)
        {
            object options = Activator.CreateInstance(type)!;
            string ctorDoc = docs.GetValueOrDefault($"M:{XmlName(type)}.#ctor", "");
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
            {
                string actual = Format(property.GetValue(options));
                var fromCtor = Regex.Match(ctorDoc, $@"\b{property.Name} (\S+?)[,;]");
                string summary = docs.GetValueOrDefault($"P:{XmlName(property.DeclaringType!)}.{property.Name}", "");
                int at = summary.LastIndexOf("Default ", StringComparison.Ordinal);
                string? documented = fromCtor.Success ? fromCtor.Groups[1].Value : at < 0 ? null : summary[(at + "Default ".Length)..].TrimEnd('.', ' ');
                if (documented != actual)
                {
                    wrong.Add($"{type.FullName}.{property.Name}: documented {documented ?? "(nothing)"}, actual {actual}");
                }
            }
        }
        Assert.AreEqual(0, wrong.Count, string.Join("\n", wrong));
    }

    [TestMethod]
    public void SimpleOverloads_DefaultToTheOptionsDefaults()
    {
        int compared = 0;
        foreach (var method in typeof(RecurrentCatalog).GetMethods().Concat(typeof(RecurrentTextCatalog).GetMethods()).Where(m => m.IsStatic && m.IsPublic))
        {
            var optionsType = method.ReturnType.GetNestedType("Options") ?? typeof(RecurrentLanguageModelEstimator.Options);
            object options = Activator.CreateInstance(optionsType)!;
            foreach (var parameter in method.GetParameters().Where(p => p.HasDefaultValue))
            {
                var property = optionsType.GetProperty(char.ToUpperInvariant(parameter.Name![0]) + parameter.Name[1..]);
                if (property is null)
                {
                    continue; // e.g. the featurizer's output column, which is not a language-model option
                }
                Assert.AreEqual(property.GetValue(options), parameter.DefaultValue, $"{method.Name}({parameter.Name}) of {method.ReturnType.Name}");
                compared++;
            }
        }
        Assert.IsTrue(compared >= 20, $"compared {compared} defaults");
    }

    // Summary text of every documented member of the plugin, with <see cref="X.Y"/> read as Y.
    private static Dictionary<string, string> Documentation()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Microsoft.ML.Recurrent.xml");
        return XDocument.Load(path).Descendants("member").ToDictionary(
            m => (string)m.Attribute("name")!,
            m => Spaces().Replace(string.Concat(m.Element("summary")?.Nodes().Select(Text) ?? []), " ").Trim());
    }

    private static string Text(XNode node) => node switch
    {
        XText text => text.Value,
        XElement { Name.LocalName: "see" } see when see.Attribute("cref") is { } cref => cref.Value[(cref.Value.LastIndexOf('.') + 1)..],
        XElement element => element.Value,
        _ => "",
    };

    private static string XmlName(Type type) => type.FullName!.Replace('+', '.');

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        Enum e => e.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
