using Microsoft.AspNetCore.Builder;
using WebApi;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>The WebApi example running in this process on Kestrel at 127.0.0.1 and a port the system picks, with a client.</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    /// <summary>A client whose base address is the server's.</summary>
    public HttpClient Client { get; }

    /// <summary>Builds the app with <paramref name="args"/> (plus a loopback URL and quiet logging) and starts it.</summary>
    public static async Task<LoopbackServer> StartAsync(params string[] args)
    {
        var app = WebApiApp.Build([.. args, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning"]);
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        Assert.IsTrue(address.IsLoopback, $"bound to {address}");
        // Enough connections for the concurrent clients; a stuck request fails the test instead of hanging it.
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        return new LoopbackServer(app, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
