using System.Reflection;
using System.Reflection.Emit;

namespace Microsoft.ML.Recurrent.Tests.Architecture;

/// <summary>
/// Every type a compiled type uses, read by reflection: its base type and interfaces, attributes, fields,
/// properties, events, method signatures and local variables, and every type, method and field the IL of its
/// method bodies names (calls, field accesses, allocations, casts, <c>ldtoken</c>). Compiler-generated closures,
/// iterators and state machines are nested types, so lambdas and async bodies are read too.
/// </summary>
internal static class TypeReferences
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(op => op.Value);

    /// <summary>The types <paramref name="type"/> uses, each with where it is used (for the failure message).</summary>
    public static IEnumerable<(Type Used, string Where)> Of(Type type)
    {
        var found = new List<(Type, string)>();
        void Add(Type? used, string where) => AddExpanded(found, used, where);

        Add(type.BaseType, "base type");
        foreach (var i in type.GetInterfaces())
        {
            Add(i, "interface");
        }
        AddAttributes(found, type.GetCustomAttributesData(), "attribute");
        foreach (var field in type.GetFields(Declared))
        {
            Add(field.FieldType, $"field {field.Name}");
            AddAttributes(found, field.GetCustomAttributesData(), $"field {field.Name}");
        }
        foreach (var property in type.GetProperties(Declared))
        {
            Add(property.PropertyType, $"property {property.Name}");
        }
        foreach (var e in type.GetEvents(Declared))
        {
            Add(e.EventHandlerType, $"event {e.Name}");
        }
        foreach (MethodBase method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            string where = $"{method.Name}";
            if (method is MethodInfo info)
            {
                Add(info.ReturnType, where);
            }
            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType, where);
            }
            AddAttributes(found, method.GetCustomAttributesData(), where);
            AddBody(found, type, method, where);
        }
        return found;
    }

    private static void AddBody(List<(Type, string)> found, Type type, MethodBase method, string where)
    {
        MethodBody? body = method.GetMethodBody();
        if (body is null)
        {
            return;
        }
        foreach (var local in body.LocalVariables)
        {
            AddExpanded(found, local.LocalType, where);
        }
        byte[] il = body.GetILAsByteArray() ?? [];
        Type[] typeArguments = type.IsGenericType ? type.GetGenericArguments() : [];
        Type[] methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : [];
        int position = 0;
        while (position < il.Length)
        {
            short value = il[position] == 0xFE ? (short)(0xFE00 | il[position + 1]) : il[position];
            position += il[position] == 0xFE ? 2 : 1;
            OpCode op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineMethod:
                case OperandType.InlineField:
                case OperandType.InlineType:
                case OperandType.InlineTok:
                    int token = BitConverter.ToInt32(il, position);
                    AddMember(found, method.Module.ResolveMember(token, typeArguments, methodArguments), where);
                    break;
                case OperandType.InlineSwitch:
                    position += 4 * BitConverter.ToInt32(il, position);
                    break;
            }
            position += OperandSize(op.OperandType);
        }
    }

    private static void AddMember(List<(Type, string)> found, MemberInfo? member, string where)
    {
        switch (member)
        {
            case Type t:
                AddExpanded(found, t, where);
                break;
            case FieldInfo f:
                AddExpanded(found, f.DeclaringType, where);
                AddExpanded(found, f.FieldType, where);
                break;
            case MethodBase m:
                AddExpanded(found, m.DeclaringType, where);
                if (m is MethodInfo info)
                {
                    AddExpanded(found, info.ReturnType, where);
                    foreach (var argument in info.IsGenericMethod ? info.GetGenericArguments() : [])
                    {
                        AddExpanded(found, argument, where);
                    }
                }
                foreach (var parameter in m.GetParameters())
                {
                    AddExpanded(found, parameter.ParameterType, where);
                }
                break;
        }
    }

    private static void AddAttributes(List<(Type, string)> found, IList<CustomAttributeData> attributes, string where)
    {
        foreach (var attribute in attributes)
        {
            AddExpanded(found, attribute.AttributeType, where);
        }
    }

    // A constructed type uses its element type and its generic arguments: List<Vocabulary>, SequenceModel[], ref T.
    private static void AddExpanded(List<(Type, string)> found, Type? type, string where)
    {
        if (type is null || type.IsGenericParameter)
        {
            return;
        }
        if (type.HasElementType)
        {
            AddExpanded(found, type.GetElementType(), where);
            return;
        }
        if (type.IsConstructedGenericType)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                AddExpanded(found, argument, where);
            }
            type = type.GetGenericTypeDefinition();
        }
        found.Add((type, where));
    }

    private static int OperandSize(OperandType operand) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4, // tokens, 32-bit branch targets and immediates, switch count (its targets were skipped above)
    };
}
