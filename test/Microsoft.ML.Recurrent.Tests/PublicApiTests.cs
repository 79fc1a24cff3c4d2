using Microsoft.ML.Recurrent.TestSupport;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// The public API of the ML.NET plugin against TestData/PublicApi.approved.txt, so that API changes are visible in
/// review. After a deliberate change, copy the PublicApi.received.txt this test writes over the approved file.
/// </summary>
[TestClass]
public sealed class PublicApiTests
{
    [TestMethod]
    public void PublicApi_MatchesApprovedFile() =>
        PublicApiDescriber.AssertMatchesApproved(typeof(RecurrentCatalog).Assembly, "test/Microsoft.ML.Recurrent.Tests/TestData/PublicApi.approved.txt");
}
