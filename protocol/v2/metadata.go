package v2

// metadataDocument is the $metadata EDMX. It follows nuget.org's (NuGet.Client
// test resource MetadataTT.xml) in one schema, plus NuGet.Server's Listed and
// Owners. The 5.8 client reads three things from it
// (LegacyFeedCapabilityResourceV2Feed): the Packages EntitySet, the Search
// FunctionImport and the IsAbsoluteLatestVersion property; without the last
// two it falls back to Packages()?$filter=substringof(...) searches.
const metadataDocument = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx">
  <edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" m:DataServiceVersion="2.0" m:MaxDataServiceVersion="2.0">
    <Schema Namespace="NuGetGallery" xmlns="http://schemas.microsoft.com/ado/2006/04/edm">
      <EntityType Name="V2FeedPackage" m:HasStream="true">
        <Key>
          <PropertyRef Name="Id" />
          <PropertyRef Name="Version" />
        </Key>
        <Property Name="Id" Type="Edm.String" Nullable="false" />
        <Property Name="Version" Type="Edm.String" Nullable="false" />
        <Property Name="NormalizedVersion" Type="Edm.String" Nullable="true" />
        <Property Name="Authors" Type="Edm.String" Nullable="true" />
        <Property Name="Copyright" Type="Edm.String" Nullable="true" />
        <Property Name="Created" Type="Edm.DateTime" Nullable="false" />
        <Property Name="Dependencies" Type="Edm.String" Nullable="true" />
        <Property Name="Description" Type="Edm.String" Nullable="true" />
        <Property Name="DownloadCount" Type="Edm.Int32" Nullable="false" />
        <Property Name="GalleryDetailsUrl" Type="Edm.String" Nullable="true" />
        <Property Name="IconUrl" Type="Edm.String" Nullable="true" />
        <Property Name="IsLatestVersion" Type="Edm.Boolean" Nullable="false" />
        <Property Name="IsAbsoluteLatestVersion" Type="Edm.Boolean" Nullable="false" />
        <Property Name="IsPrerelease" Type="Edm.Boolean" Nullable="false" />
        <Property Name="Language" Type="Edm.String" Nullable="true" />
        <Property Name="LastUpdated" Type="Edm.DateTime" Nullable="false" />
        <Property Name="Published" Type="Edm.DateTime" Nullable="false" />
        <Property Name="PackageHash" Type="Edm.String" Nullable="true" />
        <Property Name="PackageHashAlgorithm" Type="Edm.String" Nullable="true" />
        <Property Name="PackageSize" Type="Edm.Int64" Nullable="false" />
        <Property Name="ProjectUrl" Type="Edm.String" Nullable="true" />
        <Property Name="ReportAbuseUrl" Type="Edm.String" Nullable="true" />
        <Property Name="ReleaseNotes" Type="Edm.String" Nullable="true" />
        <Property Name="RequireLicenseAcceptance" Type="Edm.Boolean" Nullable="false" />
        <Property Name="Summary" Type="Edm.String" Nullable="true" />
        <Property Name="Tags" Type="Edm.String" Nullable="true" />
        <Property Name="Title" Type="Edm.String" Nullable="true" />
        <Property Name="VersionDownloadCount" Type="Edm.Int32" Nullable="false" />
        <Property Name="MinClientVersion" Type="Edm.String" Nullable="true" />
        <Property Name="LastEdited" Type="Edm.DateTime" Nullable="true" />
        <Property Name="LicenseUrl" Type="Edm.String" Nullable="true" />
        <Property Name="LicenseNames" Type="Edm.String" Nullable="true" />
        <Property Name="LicenseReportUrl" Type="Edm.String" Nullable="true" />
        <Property Name="Listed" Type="Edm.Boolean" Nullable="false" />
        <Property Name="Owners" Type="Edm.String" Nullable="true" />
      </EntityType>
      <EntityContainer Name="V2FeedContext" m:IsDefaultEntityContainer="true">
        <EntitySet Name="Packages" EntityType="NuGetGallery.V2FeedPackage" />
        <FunctionImport Name="Search" ReturnType="Collection(NuGetGallery.V2FeedPackage)" EntitySet="Packages" m:HttpMethod="GET">
          <Parameter Name="searchTerm" Type="Edm.String" Mode="In" />
          <Parameter Name="targetFramework" Type="Edm.String" Mode="In" />
          <Parameter Name="includePrerelease" Type="Edm.Boolean" Mode="In" />
        </FunctionImport>
        <FunctionImport Name="FindPackagesById" ReturnType="Collection(NuGetGallery.V2FeedPackage)" EntitySet="Packages" m:HttpMethod="GET">
          <Parameter Name="id" Type="Edm.String" Mode="In" />
        </FunctionImport>
        <FunctionImport Name="GetUpdates" ReturnType="Collection(NuGetGallery.V2FeedPackage)" EntitySet="Packages" m:HttpMethod="GET">
          <Parameter Name="packageIds" Type="Edm.String" Mode="In" />
          <Parameter Name="versions" Type="Edm.String" Mode="In" />
          <Parameter Name="includePrerelease" Type="Edm.Boolean" Mode="In" />
          <Parameter Name="includeAllVersions" Type="Edm.Boolean" Mode="In" />
          <Parameter Name="targetFrameworks" Type="Edm.String" Mode="In" />
          <Parameter Name="versionConstraints" Type="Edm.String" Mode="In" />
        </FunctionImport>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
`

// serviceDocument is the AtomPub service document at the feed's root; %s is
// the feed's base URL with a trailing slash. NuGet clients GET it only to
// follow redirects to the real base (ODataServiceDocumentUtils).
const serviceDocument = `<?xml version="1.0" encoding="utf-8"?>
<service xml:base="%s" xmlns="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom">
  <workspace>
    <atom:title>Default</atom:title>
    <collection href="Packages">
      <atom:title>Packages</atom:title>
    </collection>
  </workspace>
</service>
`
